/* Fuzz root-path / netroot parsing and the host and portal parsers under it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blk/iscsi/rootpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iscsi_rootpath rp;
	static char s[4096];
	struct iscsi_portal portal;
	struct iscsi_host host;
	uint8_t ip[16];
	const char *why = NULL;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (iscsi_rootpath_parse(s, &rp, &why) == 0) {
		if (strlen(rp.target) > ISCSI_NAME_MAX || rp.port == 0 || rp.protocol != 6)
			abort();
	} else if (why == NULL) {
		abort();
	}
	/* raw bytes, embedded NULs included: the (pointer, length) parsers must cope */
	(void)iscsi_addr_parse_portal((const char *)data, size, &portal);
	if (iscsi_addr_parse_host((const char *)data, size, &host) == 0 &&
	    strlen(host.name) != size)
		abort();
	(void)iscsi_addr_parse_ipv6((const char *)data, size, ip);
	(void)iscsi_addr_parse_ipv4((const char *)data, size, ip);
	return 0;
}
