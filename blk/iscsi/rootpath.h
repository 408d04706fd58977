/*
 * iSCSI root specification strings:
 *   RFC 4173 DHCP root-path:  iscsi:<server>:<protocol>:<port>:<LUN>:<targetname>
 *   dracut netroot:           iscsi:[<user>:<pass>[:<ruser>:<rpass>]@]<server>:<protocol>:
 *                             <port>:<LUN>:<targetname>
 * (the value only: strip "root=" / "netroot=" first).
 *
 * server: IPv4, [IPv6] or a DNS name; empty means "the DHCP server" (ISCSI_HOST_NONE).
 * protocol: empty or 6 (TCP); anything else is -EPROTONOSUPPORT.  port: empty = 3260.
 * LUN: empty = 0; RFC 4173 hex groups "4752-3A4F-6b7e-2F99" (1-4 groups of 1-4 hex digits,
 * copied into the SAM LUN bytes); a plain number is decimal, as dracut and open-iscsi read
 * it (iPXE reads it as hex: identical below 10), encoded single-level (scsi_lun_encode).
 * targetname: everything after the fifth ':' counting "iscsi:", so IQNs keep their colons;
 * empty means "discover targets with SendTargets".
 * Credentials: before the last '@'; 2 or 4 ':'-separated fields, none may contain ':'.
 * dracut's optional iface/netdev fields are not supported.
 *
 * Pure parsing, no allocation, reentrant, any context.  Bad input is -EINVAL (or
 * -EPROTONOSUPPORT for the protocol) with *why naming the field.
 */
#ifndef BLK_ISCSI_ROOTPATH_H
#define BLK_ISCSI_ROOTPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blk/iscsi/addr.h"
#include "blk/iscsi/text.h"

#define ISCSI_ROOTPATH_CRED_MAX 255

struct iscsi_rootpath {
	struct iscsi_host server;
	uint8_t protocol; /* 6 */
	uint16_t port;
	uint8_t lun[8];                  /* SAM LUN structure */
	char target[ISCSI_NAME_MAX + 1]; /* "" = discovery */
	bool has_chap, has_mutual;
	char user[ISCSI_ROOTPATH_CRED_MAX + 1];
	char pass[ISCSI_ROOTPATH_CRED_MAX + 1];
	char ruser[ISCSI_ROOTPATH_CRED_MAX + 1];
	char rpass[ISCSI_ROOTPATH_CRED_MAX + 1];
};

/* s is NUL-terminated.  0, -EINVAL or -EPROTONOSUPPORT (*why set; why may be NULL). */
int iscsi_rootpath_parse(const char *s, struct iscsi_rootpath *out, const char **why);

/*
 * What an iSCSI boot takes from DHCP beyond the root path (option 17), the
 * way iPXE's DHCP servers hand it out: option 203 is the initiator IQN, and
 * option 175 (iPXE's encapsulation) carries CHAP credentials in sub-options
 * 190-193 (username, password, reverse username, reverse password).
 */
#define ISCSI_DHCP_ROOT_PATH 17  /* RFC 2132 3.19 */
#define ISCSI_DHCP_IPXE      175 /* iPXE's encapsulated options */
#define ISCSI_DHCP_IPXE_VERSION 0xeb /* sub-option: the server knows iPXE */
#define ISCSI_DHCP_INITIATOR 203 /* iPXE's initiator IQN */
#define ISCSI_DHCP_STR_MAX   224 /* with the NUL; longest IQN is 223 */
struct iscsi_dhcp_boot {
	char initiator[ISCSI_DHCP_STR_MAX];
	char user[ISCSI_DHCP_STR_MAX], pass[ISCSI_DHCP_STR_MAX];
	char ruser[ISCSI_DHCP_STR_MAX], rpass[ISCSI_DHCP_STR_MAX];
};

/* Fill out's credentials from option 175's value.  0, or -EINVAL for a
 * malformed encapsulation (out is left as it was). */
int iscsi_rootpath_ipxe_encap(const uint8_t *val, size_t len, struct iscsi_dhcp_boot *out);

#endif
