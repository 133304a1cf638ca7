#ifndef SWZK_FUZZ_DRIVER_H
#define SWZK_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver (its `main`) over `test_one_input`.
int swzk_fuzz_run(int argc, char **argv, int (*test_one_input)(const uint8_t *data, size_t size));

#endif
