/*
 * iSCSI Boot Firmware Table parser (iBFT, IBM/Microsoft spec rev 1.03; the table firmware or
 * iPXE leaves behind for the OS).  Everything in the table is untrusted: every offset, length
 * and string is bounds-checked against the table length before use.
 *
 * Typical use: the kernel maps the legacy window 0x80000-0xFFFFF (or gets the table from the
 * ACPI RSDT/XSDT) and calls iscsi_ibft_find() then iscsi_ibft_parse() on the result.
 *
 * Integers in the table are little-endian; IP addresses are 16 bytes with IPv4 as
 * ::ffff:a.b.c.d (kept as such); the boot LUN is the 8-byte SAM structure (see scsi.h).
 * No allocation, reentrant, any context.  Errors: -ENOENT (no table), -EBADMSG (malformed,
 * with a static reason in *why).
 */
#ifndef BLK_ISCSI_IBFT_H
#define BLK_ISCSI_IBFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blk/iscsi/addr.h"
#include "blk/iscsi/text.h"

#define ISCSI_IBFT_HEADER_LEN 48
#define ISCSI_IBFT_STR_MAX    255 /* CHAP names and secrets we accept */

#define ISCSI_IBFT_CHAP_NONE    0
#define ISCSI_IBFT_CHAP_ONE_WAY 1
#define ISCSI_IBFT_CHAP_MUTUAL  2

#define ISCSI_IBFT_ORIGIN_DHCP 3 /* NIC origin value meaning "address came from DHCP" */

struct iscsi_ibft_nic {
	bool present;       /* the control structure points at it */
	bool valid;         /* "block valid" flag; if false nothing below is filled */
	bool boot_selected; /* "firmware boot selected" flag */
	bool global;        /* global (vs link-local) address */
	uint8_t index;
	uint8_t ip[16];
	uint8_t prefix; /* subnet prefix length; for IPv4 0-32 */
	uint8_t origin; /* IP prefix origin (3 = DHCP) */
	bool dhcp;      /* origin == ISCSI_IBFT_ORIGIN_DHCP */
	uint8_t gateway[16];
	uint8_t dns[2][16];
	uint8_t dhcp_server[16];
	uint16_t vlan;
	uint8_t mac[6];
	uint16_t pci_bdf; /* bus << 8 | device << 3 | function */
	char hostname[ISCSI_HOST_MAX + 1];
};

struct iscsi_ibft_target {
	bool present, valid, boot_selected;
	uint8_t index;
	uint8_t ip[16];
	uint16_t port;
	uint8_t lun[8];
	uint8_t chap_type; /* ISCSI_IBFT_CHAP_* */
	uint8_t nic_index; /* which NIC reaches this target */
	char name[ISCSI_NAME_MAX + 1];
	char chap_name[ISCSI_IBFT_STR_MAX + 1];
	uint8_t chap_secret[ISCSI_IBFT_STR_MAX];
	size_t chap_secret_len;
	char rchap_name[ISCSI_IBFT_STR_MAX + 1]; /* mutual: the target's name */
	uint8_t rchap_secret[ISCSI_IBFT_STR_MAX];
	size_t rchap_secret_len;
};

struct iscsi_ibft {
	uint8_t revision;
	char oem_id[7];
	char oem_table_id[9];
	bool single_login; /* control flag: log in to the boot-selected target only */
	bool initiator_present, initiator_valid, initiator_boot_selected;
	char initiator_name[ISCSI_NAME_MAX + 1];
	struct iscsi_ibft_nic nic[2];
	struct iscsi_ibft_target target[2];
};

/*
 * Find a table in win[0..len): the signature "iBFT" (or "BIFT", used by Broadcom offload
 * firmware) on a 16-byte boundary relative to win, with a length that fits and a valid
 * checksum.  win should start on a 16-byte aligned physical address.  0 and *offset, or
 * -ENOENT.
 */
int iscsi_ibft_find(const uint8_t *win, size_t len, size_t *offset);

/*
 * Parse the table at table[0..avail) (avail may exceed the table's own length).  Checks
 * signature, length, checksum, and every structure.  0 or -EBADMSG with *why (why may be
 * NULL).  *out is zeroed first.
 */
int iscsi_ibft_parse(const uint8_t *table, size_t avail, struct iscsi_ibft *out, const char **why);

/* The target to boot from: the first valid boot-selected one, else the first valid one. */
const struct iscsi_ibft_target *iscsi_ibft_boot_target(const struct iscsi_ibft *t);

#endif
