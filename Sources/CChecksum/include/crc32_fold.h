#ifndef OVERSWEEP_CRC32_FOLD_H
#define OVERSWEEP_CRC32_FOLD_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU can run `oversweep_crc32_fold` (x86-64 with PCLMULQDQ and SSE4.1).
int oversweep_crc32_fold_available(void);

/// Advances a CRC-32 (IEEE, reflected polynomial 0xEDB88320) state over
/// `len` bytes by carry-less multiplication folding. `state` is the register
/// value (the checksum's complement), as is the result. Requires
/// `len >= 64` and `len % 16 == 0`, and `oversweep_crc32_fold_available()`.
uint32_t oversweep_crc32_fold(const uint8_t *buf, size_t len, uint32_t state);

#endif
