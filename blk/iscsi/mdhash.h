/*
 * The Merkle-Damgard framing MD5 and SHA-256 share: 64-byte blocks, a 0x80
 * pad byte, and the message length in bits in the last 8 bytes (little-endian
 * for MD5, big-endian for SHA-256).  The hash supplies its compression
 * function and state words.  Pure, reentrant, any context.
 */
#ifndef BLK_ISCSI_MDHASH_H
#define BLK_ISCSI_MDHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iscsi_mdhash {
	uint64_t bytes;  /* total length hashed so far */
	uint8_t buf[64]; /* partial block */
};

typedef void (*iscsi_md_block_fn)(uint32_t *h, const uint8_t *block);

void iscsi_mdhash_update(struct iscsi_mdhash *m, uint32_t *h, iscsi_md_block_fn block,
                         const void *data, size_t len);

/* Pad and run the last block(s); the caller then reads its state words out. */
void iscsi_mdhash_finish(struct iscsi_mdhash *m, uint32_t *h, iscsi_md_block_fn block,
                         bool big_endian_length);

/* Zero memory in a way the compiler may not drop (secrets, hash state). */
void iscsi_mdhash_wipe(void *p, size_t n);

#endif
