// SwiftPM links every executable target on Linux with `--defsym main=<Module>_main` (so that
// tests can link executables); a libFuzzer target has no Swift entry point (libFuzzer's
// `main` runs it), so these provide `<Module>_main` and hand over to libFuzzer's driver.
// Built with `swift build --sanitize=fuzzer` instead, SwiftPM skips the renaming and
// libFuzzer's own `main` is used; these are then unused.
#include <stddef.h>
#include <stdint.h>
#include "FuzzDriver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

static int run(int argc, char **argv) { return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput); }

int FuzzImport_main(int argc, char **argv) { return run(argc, argv); }
int FuzzSampleBatch_main(int argc, char **argv) { return run(argc, argv); }
int FuzzSafetensors_main(int argc, char **argv) { return run(argc, argv); }
int FuzzRemoteWrite_main(int argc, char **argv) { return run(argc, argv); }
