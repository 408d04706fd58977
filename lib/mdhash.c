/* Block buffering and final padding shared by MD5 and SHA-256. */
#include <string.h>

#include "lib/mdhash.h"
#include "kernel/assert.h"

void mdhash_update(struct mdhash *m, uint32_t *h, mdhash_block_fn block,
                         const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t have = (size_t)(m->bytes % 64);

	ASSERT(data != NULL || len == 0);
	m->bytes += len;
	if (have) {
		size_t n = 64 - have < len ? 64 - have : len;

		memcpy(m->buf + have, p, n);
		p += n;
		len -= n;
		if (have + n < 64)
			return;
		block(h, m->buf);
	}
	for (; len >= 64; p += 64, len -= 64)
		block(h, p);
	if (len)
		memcpy(m->buf, p, len);
}

void mdhash_finish(struct mdhash *m, uint32_t *h, mdhash_block_fn block,
                         bool big_endian_length)
{
	uint64_t bits = m->bytes * 8;
	size_t have = (size_t)(m->bytes % 64);

	m->buf[have++] = 0x80;
	if (have > 56) {
		memset(m->buf + have, 0, 64 - have);
		block(h, m->buf);
		have = 0;
	}
	memset(m->buf + have, 0, 56 - have);
	for (int i = 0; i < 8; i++)
		m->buf[56 + i] = (uint8_t)(bits >> (big_endian_length ? 56 - 8 * i : 8 * i));
	block(h, m->buf);
}

void mdhash_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;
	while (n--)
		*v++ = 0;
}
