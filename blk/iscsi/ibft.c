/* iBFT (iSCSI Boot Firmware Table) locator and bounds-checked parser. */
#include "blk/iscsi/ibft.h"

#include <errno.h>
#include <string.h>

#include "kernel/assert.h"

/* Structure ids and the sizes of the fields we read (the spec's full structures). */
#define ID_CONTROL    1
#define ID_INITIATOR  2
#define ID_NIC        3
#define ID_TARGET     4
#define CONTROL_MIN   14 /* header + extensions + initiator/NIC0/target0 offsets */
#define INITIATOR_LEN 74
#define NIC_LEN       102
#define TARGET_LEN    54

#define FL_VALID                0x01
#define FL_BOOT_SELECTED        0x02
#define FL_NIC_GLOBAL           0x04
#define FL_CONTROL_SINGLE_LOGIN 0x01

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool signature_ok(const uint8_t *p)
{
	return memcmp(p, "iBFT", 4) == 0 || memcmp(p, "BIFT", 4) == 0;
}

static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

int iscsi_ibft_find(const uint8_t *win, size_t len, size_t *offset)
{
	ASSERT(offset != NULL && (win != NULL || len == 0));
	for (size_t pos = 0; len >= ISCSI_IBFT_HEADER_LEN && pos <= len - ISCSI_IBFT_HEADER_LEN;
	     pos += 16) {
		uint32_t tlen;

		if (!signature_ok(win + pos))
			continue;
		tlen = le32(win + pos + 4);
		if (tlen < ISCSI_IBFT_HEADER_LEN || tlen > len - pos)
			continue;
		if (!checksum_ok(win + pos, tlen))
			continue;
		*offset = pos;
		return 0;
	}
	return -ENOENT;
}

struct ctx {
	const uint8_t *t;
	size_t len; /* the table's own length */
	const char **why;
};

static int bad(struct ctx *c, const char *reason)
{
	if (c->why != NULL)
		*c->why = reason;
	return -EBADMSG;
}

/* Locate a structure: 0 with *s set, 1 if absent (offset 0), or -EBADMSG. */
static int structure(struct ctx *c, uint16_t off, uint8_t id, size_t min_len, const uint8_t **s)
{
	uint16_t slen;

	if (off == 0)
		return 1;
	if (off < ISCSI_IBFT_HEADER_LEN || (size_t)off + 8 > c->len)
		return bad(c, "structure offset outside the table");
	if (c->t[off] != id)
		return bad(c, "structure has the wrong id");
	slen = le16(c->t + off + 2);
	if (slen < min_len)
		return bad(c, "structure shorter than its fields");
	if ((size_t)off + slen > c->len)
		return bad(c, "structure extends past the table");
	*s = c->t + off;
	return 0;
}

/*
 * Copy the (length, offset) string at field into dst.  Text strings (binary false) must not
 * contain NUL and get a terminator; binary ones (secrets) are copied raw.
 */
static int string(struct ctx *c, const uint8_t *field, void *dst, size_t cap, bool binary,
                  size_t *out_len)
{
	uint16_t slen = le16(field), off = le16(field + 2);
	uint8_t *d = dst;

	if (out_len != NULL)
		*out_len = 0;
	if (slen == 0)
		return 0;
	if (off < ISCSI_IBFT_HEADER_LEN || (size_t)off + slen > c->len)
		return bad(c, "string outside the table");
	if (slen > cap - (binary ? 0 : 1))
		return bad(c, "string too long");
	if (!binary && memchr(c->t + off, 0, slen) != NULL)
		return bad(c, "string with an embedded NUL");
	memcpy(d, c->t + off, slen);
	if (!binary)
		d[slen] = 0;
	if (out_len != NULL)
		*out_len = slen;
	return 0;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((uint8_t)*s <= ' ' || (uint8_t)*s >= 0x7f)
			return false;
	return true;
}

static int parse_initiator(struct ctx *c, uint16_t off, struct iscsi_ibft *out)
{
	const uint8_t *s;
	int rc = structure(c, off, ID_INITIATOR, INITIATOR_LEN, &s);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	out->initiator_present = true;
	out->initiator_valid = (s[5] & FL_VALID) != 0;
	out->initiator_boot_selected = (s[5] & FL_BOOT_SELECTED) != 0;
	if (!out->initiator_valid)
		return 0;
	rc = string(c, s + 70, out->initiator_name, sizeof(out->initiator_name), false, NULL);
	if (rc == 0 && !printable(out->initiator_name))
		rc = bad(c, "initiator name not printable");
	return rc;
}

static int parse_nic(struct ctx *c, uint16_t off, struct iscsi_ibft_nic *n)
{
	const uint8_t *s;
	int rc = structure(c, off, ID_NIC, NIC_LEN, &s);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	n->present = true;
	n->index = s[4];
	n->valid = (s[5] & FL_VALID) != 0;
	n->boot_selected = (s[5] & FL_BOOT_SELECTED) != 0;
	n->global = (s[5] & FL_NIC_GLOBAL) != 0;
	if (!n->valid)
		return 0;
	memcpy(n->ip, s + 6, 16);
	n->prefix = s[22];
	n->origin = s[23];
	n->dhcp = n->origin == ISCSI_IBFT_ORIGIN_DHCP;
	memcpy(n->gateway, s + 24, 16);
	memcpy(n->dns[0], s + 40, 16);
	memcpy(n->dns[1], s + 56, 16);
	memcpy(n->dhcp_server, s + 72, 16);
	n->vlan = le16(s + 88);
	memcpy(n->mac, s + 90, 6);
	n->pci_bdf = le16(s + 96);
	if (n->prefix > (iscsi_addr_is_v4mapped(n->ip) ? 32 : 128))
		return bad(c, "NIC subnet prefix too long for its address");
	return string(c, s + 98, n->hostname, sizeof(n->hostname), false, NULL);
}

static int parse_target(struct ctx *c, uint16_t off, struct iscsi_ibft_target *t)
{
	const uint8_t *s;
	int rc = structure(c, off, ID_TARGET, TARGET_LEN, &s);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	t->present = true;
	t->index = s[4];
	t->valid = (s[5] & FL_VALID) != 0;
	t->boot_selected = (s[5] & FL_BOOT_SELECTED) != 0;
	if (!t->valid)
		return 0;
	memcpy(t->ip, s + 6, 16);
	t->port = le16(s + 22);
	memcpy(t->lun, s + 24, 8);
	t->chap_type = s[32];
	t->nic_index = s[33];
	if (t->chap_type > ISCSI_IBFT_CHAP_MUTUAL)
		return bad(c, "unknown CHAP type");
	rc = string(c, s + 34, t->name, sizeof(t->name), false, NULL);
	if (rc == 0 && !printable(t->name))
		rc = bad(c, "target name not printable");
	if (rc == 0)
		rc = string(c, s + 38, t->chap_name, sizeof(t->chap_name), false, NULL);
	if (rc == 0)
		rc = string(c, s + 42, t->chap_secret, sizeof(t->chap_secret), true,
		            &t->chap_secret_len);
	if (rc == 0)
		rc = string(c, s + 46, t->rchap_name, sizeof(t->rchap_name), false, NULL);
	if (rc == 0)
		rc = string(c, s + 50, t->rchap_secret, sizeof(t->rchap_secret), true,
		            &t->rchap_secret_len);
	return rc;
}

static void copy_id(char *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : ' ';
	dst[n] = '\0';
}

int iscsi_ibft_parse(const uint8_t *table, size_t avail, struct iscsi_ibft *out, const char **why)
{
	struct ctx c = {.t = table, .why = why};
	const uint8_t *ctl;
	uint16_t ctl_len;
	uint32_t tlen;
	int rc;

	ASSERT(out != NULL);
	memset(out, 0, sizeof(*out));
	if (table == NULL || avail < ISCSI_IBFT_HEADER_LEN || !signature_ok(table))
		return bad(&c, "no iBFT signature");
	tlen = le32(table + 4);
	if (tlen < ISCSI_IBFT_HEADER_LEN + CONTROL_MIN || tlen > avail)
		return bad(&c, "table length out of bounds");
	c.len = tlen;
	if (!checksum_ok(table, tlen))
		return bad(&c, "bad checksum");
	out->revision = table[8];
	copy_id(out->oem_id, table + 10, 6);
	copy_id(out->oem_table_id, table + 16, 8);

	ctl = table + ISCSI_IBFT_HEADER_LEN;
	ctl_len = le16(ctl + 2);
	if (ctl[0] != ID_CONTROL)
		return bad(&c, "control structure missing");
	if (ctl_len < CONTROL_MIN || ISCSI_IBFT_HEADER_LEN + (size_t)ctl_len > tlen)
		return bad(&c, "control structure length out of bounds");
	out->single_login = (ctl[5] & FL_CONTROL_SINGLE_LOGIN) != 0;

	rc = parse_initiator(&c, le16(ctl + 8), out);
	if (rc == 0)
		rc = parse_nic(&c, le16(ctl + 10), &out->nic[0]);
	if (rc == 0)
		rc = parse_target(&c, le16(ctl + 12), &out->target[0]);
	/* the second pair is optional: older tables stop the control structure early */
	if (rc == 0 && ctl_len >= 16)
		rc = parse_nic(&c, le16(ctl + 14), &out->nic[1]);
	if (rc == 0 && ctl_len >= 18)
		rc = parse_target(&c, le16(ctl + 16), &out->target[1]);
	return rc;
}

const struct iscsi_ibft_target *iscsi_ibft_boot_target(const struct iscsi_ibft *t)
{
	ASSERT(t != NULL);
	for (int i = 0; i < 2; i++)
		if (t->target[i].valid && t->target[i].boot_selected)
			return &t->target[i];
	for (int i = 0; i < 2; i++)
		if (t->target[i].valid)
			return &t->target[i];
	return NULL;
}
