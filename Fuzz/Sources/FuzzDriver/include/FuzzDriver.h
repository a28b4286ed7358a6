// Entry points of the fuzz executables: see driver.c.
int FuzzImport_main(int argc, char **argv);
int FuzzSampleBatch_main(int argc, char **argv);
int FuzzSafetensors_main(int argc, char **argv);
int FuzzRemoteWrite_main(int argc, char **argv);
