/*
 * Fuzz the iBFT locator and parser.  The input is scanned as a memory window, and also parsed
 * as a table whose signature, length and checksum are repaired first, so the fuzzer spends its
 * time inside the structures rather than on the checksum.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blk/iscsi/ibft.h"

static void check(const struct iscsi_ibft *t)
{
	for (int i = 0; i < 2; i++) {
		const struct iscsi_ibft_target *g = &t->target[i];
		if (strlen(g->name) > ISCSI_NAME_MAX || g->chap_secret_len > ISCSI_IBFT_STR_MAX ||
		    g->rchap_secret_len > ISCSI_IBFT_STR_MAX || g->chap_type > 2)
			abort();
	}
	(void)iscsi_ibft_boot_target(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iscsi_ibft t;
	static uint8_t buf[65536];
	size_t off;

	if (iscsi_ibft_find(data, size, &off) == 0) {
		if (off % 16 || off + ISCSI_IBFT_HEADER_LEN > size)
			abort();
		if (iscsi_ibft_parse(data + off, size - off, &t, NULL) == 0)
			check(&t);
	}

	if (size < ISCSI_IBFT_HEADER_LEN || size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	memcpy(buf, "iBFT", 4);
	buf[4] = (uint8_t)size;
	buf[5] = (uint8_t)(size >> 8);
	buf[6] = (uint8_t)(size >> 16);
	buf[7] = 0;
	buf[9] = 0;
	uint8_t sum = 0;
	for (size_t i = 0; i < size; i++)
		sum = (uint8_t)(sum + buf[i]);
	buf[9] = (uint8_t)(0 - sum);
	const char *why = NULL;
	if (iscsi_ibft_parse(buf, size, &t, &why) == 0)
		check(&t);
	else if (why == NULL)
		abort();
	return 0;
}
