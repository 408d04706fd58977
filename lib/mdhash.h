/*
 * The Merkle-Damgard framing MD5 and SHA-256 share: 64-byte blocks, a 0x80
 * pad byte, and the message length in bits in the last 8 bytes (little-endian
 * for MD5, big-endian for SHA-256).  The hash supplies its compression
 * function and state words.  Pure, reentrant, any context.
 */
#ifndef LIB_MDHASH_H
#define LIB_MDHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mdhash {
	uint64_t bytes;  /* total length hashed so far */
	uint8_t buf[64]; /* partial block */
};

typedef void (*mdhash_block_fn)(uint32_t *h, const uint8_t *block);

void mdhash_update(struct mdhash *m, uint32_t *h, mdhash_block_fn block,
                         const void *data, size_t len);

/* Pad and run the last block(s); the caller then reads its state words out. */
void mdhash_finish(struct mdhash *m, uint32_t *h, mdhash_block_fn block,
                         bool big_endian_length);

/* Zero memory in a way the compiler may not drop (secrets, hash state). */
void mdhash_wipe(void *p, size_t n);

#endif
