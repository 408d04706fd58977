/* Fuzz the frame classifier: any bytes, any length, against a table whose
 * flows come from the input's first bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_table t;
	memset(&t, 0, sizeof(t));
	if (size < 8)
		return 0;
	struct flow_key k = {
	    .raddr = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | data[2] << 8 | data[3],
	    .rport = (uint16_t)(data[4] << 8 | data[5]),
	    .lport = (uint16_t)(data[6] << 8 | data[7]),
	};
	if (flow_add(&t, &k) != 0 || !flow_is_peer(&t, k.raddr))
		abort();
	/* a private copy: the classifier must not read past size */
	size -= 8;
	uint8_t *f = malloc(size ? size : 1);
	memcpy(f, data + 8, size);
	enum net_class c = flow_classify(&t, f, size);
	enum net_class ct = flow_classify_tx(&t, f, size);
	if (c >= NET_CLASS_N || ct >= NET_CLASS_N)
		abort();
	(void)flow_icmp_error(f, size);
	/* without the flow, nothing is storage */
	if (flow_del(&t, &k) != 0 || flow_classify(&t, f, size) != NET_CLASS_GENERAL ||
	    flow_classify_tx(&t, f, size) != NET_CLASS_GENERAL)
		abort();
	free(f);
	return 0;
}
