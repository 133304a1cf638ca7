// zlib for gzip-compressed snapshots (`snapshot.compression.method=gz`; Debian: zlib1g-dev).
#include <zlib.h>
