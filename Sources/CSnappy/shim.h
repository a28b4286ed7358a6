// Snappy's C interface, from Debian's libsnappy-dev: snappy_uncompress,
// snappy_uncompressed_length, snappy_compress, snappy_max_compressed_length.
#include <snappy-c.h>
