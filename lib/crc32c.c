/* CRC32C (Castagnoli), slicing-by-8 with tables computed by the compiler. */
#include "lib/crc32c.h"

#include "kernel/assert.h"

/*
 * The tables are built from the polynomial by the preprocessor rather than pasted as 2048
 * opaque numbers, so there is nothing to get wrong by hand and no init function to forget.
 *
 * CRC_STEP advances the reflected CRC register by one bit.  A table entry for byte value i
 * advanced by k further zero bytes is linear over GF(2) in i, so it is the xor of the entries
 * for the set bits of i.  Those 8 basis values per table are enum constants, which keeps each
 * expansion small: the compiler folds a basis once, then reuses the name.  (GNU C allows enum
 * constants above INT_MAX; both gcc and clang accept that silently in gnu11.)
 */
#define CRC32C_POLY  0x82F63B78u
#define CRC_STEP(c)  (((c) >> 1) ^ (CRC32C_POLY & (0u - ((c)&1u))))
#define CRC_STEP2(c) CRC_STEP(CRC_STEP(c))
#define CRC_STEP4(c) CRC_STEP2(CRC_STEP2(c))
#define CRC_BYTE(c)  CRC_STEP4(CRC_STEP4(c))

/* Register after one more zero byte, for an arbitrary 32-bit register value r. */
#define BIT(r, b) ((((uint32_t)(r) >> (b)) & 1u) ? (uint32_t)R##b : 0u)
#define ZBYTE(r)                                                                                   \
	(BIT(r, 0) ^ BIT(r, 1) ^ BIT(r, 2) ^ BIT(r, 3) ^ BIT(r, 4) ^ BIT(r, 5) ^ BIT(r, 6) ^       \
	 BIT(r, 7) ^ BIT(r, 8) ^ BIT(r, 9) ^ BIT(r, 10) ^ BIT(r, 11) ^ BIT(r, 12) ^ BIT(r, 13) ^   \
	 BIT(r, 14) ^ BIT(r, 15) ^ BIT(r, 16) ^ BIT(r, 17) ^ BIT(r, 18) ^ BIT(r, 19) ^             \
	 BIT(r, 20) ^ BIT(r, 21) ^ BIT(r, 22) ^ BIT(r, 23) ^ BIT(r, 24) ^ BIT(r, 25) ^             \
	 BIT(r, 26) ^ BIT(r, 27) ^ BIT(r, 28) ^ BIT(r, 29) ^ BIT(r, 30) ^ BIT(r, 31))

/* R<b>: a register holding only bit b, advanced by one zero byte. */
enum {
	R0 = CRC_BYTE(1u << 0),
	R1 = CRC_BYTE(1u << 1),
	R2 = CRC_BYTE(1u << 2),
	R3 = CRC_BYTE(1u << 3),
	R4 = CRC_BYTE(1u << 4),
	R5 = CRC_BYTE(1u << 5),
	R6 = CRC_BYTE(1u << 6),
	R7 = CRC_BYTE(1u << 7),
	R8 = CRC_BYTE(1u << 8),
	R9 = CRC_BYTE(1u << 9),
	R10 = CRC_BYTE(1u << 10),
	R11 = CRC_BYTE(1u << 11),
	R12 = CRC_BYTE(1u << 12),
	R13 = CRC_BYTE(1u << 13),
	R14 = CRC_BYTE(1u << 14),
	R15 = CRC_BYTE(1u << 15),
	R16 = CRC_BYTE(1u << 16),
	R17 = CRC_BYTE(1u << 17),
	R18 = CRC_BYTE(1u << 18),
	R19 = CRC_BYTE(1u << 19),
	R20 = CRC_BYTE(1u << 20),
	R21 = CRC_BYTE(1u << 21),
	R22 = CRC_BYTE(1u << 22),
	R23 = CRC_BYTE(1u << 23),
	R24 = CRC_BYTE(1u << 24),
	R25 = CRC_BYTE(1u << 25),
	R26 = CRC_BYTE(1u << 26),
	R27 = CRC_BYTE(1u << 27),
	R28 = CRC_BYTE(1u << 28),
	R29 = CRC_BYTE(1u << 29),
	R30 = CRC_BYTE(1u << 30),
	R31 = CRC_BYTE(1u << 31),
};

/* B<k>_<j>: table k entry for byte value (1 << j), i.e. that byte followed by k zero bytes. */
#define BASIS(k, prev)                                                                             \
	B##k##_0 = ZBYTE(prev##_0), B##k##_1 = ZBYTE(prev##_1), B##k##_2 = ZBYTE(prev##_2),        \
	B##k##_3 = ZBYTE(prev##_3), B##k##_4 = ZBYTE(prev##_4), B##k##_5 = ZBYTE(prev##_5),        \
	B##k##_6 = ZBYTE(prev##_6), B##k##_7 = ZBYTE(prev##_7)
enum { B0_0 = R0, B0_1 = R1, B0_2 = R2, B0_3 = R3, B0_4 = R4, B0_5 = R5, B0_6 = R6, B0_7 = R7 };
enum { BASIS(1, B0) };
enum { BASIS(2, B1) };
enum { BASIS(3, B2) };
enum { BASIS(4, B3) };
enum { BASIS(5, B4) };
enum { BASIS(6, B5) };
enum { BASIS(7, B6) };

#define E(k, i)                                                                                    \
	((((i)&1) ? (uint32_t)B##k##_0 : 0u) ^ (((i)&2) ? (uint32_t)B##k##_1 : 0u) ^               \
	 (((i)&4) ? (uint32_t)B##k##_2 : 0u) ^ (((i)&8) ? (uint32_t)B##k##_3 : 0u) ^               \
	 (((i)&16) ? (uint32_t)B##k##_4 : 0u) ^ (((i)&32) ? (uint32_t)B##k##_5 : 0u) ^             \
	 (((i)&64) ? (uint32_t)B##k##_6 : 0u) ^ (((i)&128) ? (uint32_t)B##k##_7 : 0u))
#define E4(k, i)  E(k, i), E(k, (i) + 1), E(k, (i) + 2), E(k, (i) + 3)
#define E16(k, i) E4(k, i), E4(k, (i) + 4), E4(k, (i) + 8), E4(k, (i) + 12)
#define E64(k, i) E16(k, i), E16(k, (i) + 16), E16(k, (i) + 32), E16(k, (i) + 48)
#define TABLE(k)                                                                                   \
	{                                                                                          \
		E64(k, 0), E64(k, 64), E64(k, 128), E64(k, 192)                                    \
	}

static const uint32_t crc_table[8][256] = {
    TABLE(0), TABLE(1), TABLE(2), TABLE(3), TABLE(4), TABLE(5), TABLE(6), TABLE(7),
};

BUILD_ASSERT(B0_0 == 0xF26B8303u); /* table[1] of the well-known CRC32C table */

static inline uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t crc32c_extend(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	ASSERT(buf != NULL || len == 0);
	crc = ~crc;
	while (len >= 8) {
		uint32_t lo = crc ^ load_le32(p);
		uint32_t hi = load_le32(p + 4);

		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		      crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		      crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

uint32_t crc32c(const void *buf, size_t len)
{
	return crc32c_extend(0, buf, len);
}

void crc32c_put(uint8_t out[4], uint32_t crc)
{
	out[0] = (uint8_t)crc;
	out[1] = (uint8_t)(crc >> 8);
	out[2] = (uint8_t)(crc >> 16);
	out[3] = (uint8_t)(crc >> 24);
}

uint32_t crc32c_get(const uint8_t in[4])
{
	return load_le32(in);
}
