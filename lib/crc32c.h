/*
 * CRC32C (Castagnoli) as used for iSCSI header and data digests (RFC 7143 §13.1, test vectors
 * in RFC 3720 Appendix B.4).
 *
 * The lookup tables are compile-time constants in .rodata: nothing to initialise, safe from any
 * context (IRQ, early boot, several CPUs) and reentrant.  Slicing-by-8, roughly 1.5 cycles/byte.
 *
 * Wire format: an iSCSI digest is the CRC value transmitted least significant byte first, so
 * the 32 zero bytes vector 0x8a9136aa travels as aa 36 91 8a.  crc32c_put()/_get() do
 * that conversion; never memcpy the host integer.
 */
#ifndef LIB_CRC32C_H
#define LIB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC32C of buf[0..len): initial value ~0, final xor ~0 ("123456789" -> 0xe3069283). */
uint32_t crc32c(const void *buf, size_t len);

/*
 * Continue a CRC: crc32c_extend(crc32c(a, n), b, m) equals the CRC of a followed by
 * b.  crc 0 starts a fresh computation (same convention as zlib's crc32()).
 */
uint32_t crc32c_extend(uint32_t crc, const void *buf, size_t len);

/* Store / load a digest in its on-the-wire byte order. */
void crc32c_put(uint8_t out[4], uint32_t crc);
uint32_t crc32c_get(const uint8_t in[4]);

#endif
