/* Fuzz root-path / netroot parsing, the host and portal parsers under it, and
 * the DHCP option 175 credentials decoder. */
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

	/* option 175: a refused block leaves the fields alone; accepted strings are terminated */
	static struct iscsi_dhcp_boot d, before;
	memset(&d, 0, sizeof(d));
	before = d;
	if (iscsi_rootpath_ipxe_encap(data, size, &d)) {
		if (memcmp(&d, &before, sizeof(d)))
			abort();
	} else if (memchr(d.user, 0, sizeof(d.user)) == NULL ||
	           memchr(d.rpass, 0, sizeof(d.rpass)) == NULL) {
		abort();
	}
	return 0;
}
