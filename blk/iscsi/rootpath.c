/* Parser for RFC 4173 root-path and dracut netroot iSCSI strings. */
#include "blk/iscsi/rootpath.h"
#include "kernel/hexdigit.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "blk/scsi.h"
#include "kernel/assert.h"
#include "net/netcfg.h"

static int bad(const char **why, int err, const char *reason)
{
	if (why != NULL)
		*why = reason;
	return err;
}

static int parse_lun(const char *s, size_t len, uint8_t lun[8])
{
	uint32_t num;

	memset(lun, 0, 8);
	if (len == 0)
		return 0;
	if (memchr(s, '-', len) == NULL) {
		if (iscsi_addr_parse_uint(s, len, 0x3fff, &num) < 0)
			return -EINVAL;
		return scsi_lun_encode(num, lun);
	}
	/* RFC 4173 / RFC 3720 hex form: each group fills the next two LUN bytes */
	size_t pos = 0;
	for (int group = 0; group < 4; group++) {
		uint32_t v = 0;
		size_t start = pos;

		while (pos < len && s[pos] != '-') {
			int d = hex_digit(s[pos]);
			if (d < 0 || pos - start >= 4)
				return -EINVAL;
			v = v << 4 | (uint32_t)d;
			pos++;
		}
		if (pos == start)
			return -EINVAL;
		lun[2 * group] = (uint8_t)(v >> 8);
		lun[2 * group + 1] = (uint8_t)v;
		if (pos == len)
			return 0;
		pos++; /* '-' */
		if (pos == len)
			return -EINVAL;
	}
	return -EINVAL;
}

static int copy_cred(char *dst, const char *s, size_t len)
{
	if (len == 0 || len > ISCSI_ROOTPATH_CRED_MAX)
		return -EINVAL;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

static int parse_creds(const char *s, size_t len, struct iscsi_rootpath *out, const char **why)
{
	const char *f[4];
	size_t flen[4];
	int n = 0;
	size_t pos = 0;

	while (n < 4) {
		const char *colon = memchr(s + pos, ':', len - pos);
		size_t end = colon ? (size_t)(colon - s) : len;

		f[n] = s + pos;
		flen[n++] = end - pos;
		if (colon == NULL)
			break;
		pos = end + 1;
		if (n == 4)
			return bad(why, -EINVAL, "credentials: more than 4 fields");
	}
	if (n != 2 && n != 4)
		return bad(why, -EINVAL,
		           "credentials: need user:password[:reverse-user:reverse-password]");
	if (copy_cred(out->user, f[0], flen[0]) < 0 || copy_cred(out->pass, f[1], flen[1]) < 0)
		return bad(why, -EINVAL, "credentials: empty or too long user name or password");
	out->has_chap = true;
	if (n == 4) {
		if (copy_cred(out->ruser, f[2], flen[2]) < 0 ||
		    copy_cred(out->rpass, f[3], flen[3]) < 0)
			return bad(why, -EINVAL,
			           "credentials: empty or too long reverse user name or password");
		out->has_mutual = true;
	}
	return 0;
}

/* Next ':'-terminated field from *pos; -EINVAL if there is no ':'. */
static int field(const char *s, size_t len, size_t *pos, const char **f, size_t *flen)
{
	const char *colon = memchr(s + *pos, ':', len - *pos);

	if (colon == NULL)
		return -EINVAL;
	*f = s + *pos;
	*flen = (size_t)(colon - *f);
	*pos = (size_t)(colon - s) + 1;
	return 0;
}

/* The server field at *pos: an [IPv6] literal, or an IPv4 address or name. */
static int parse_server(const char *s, size_t len, size_t *pos, struct iscsi_rootpath *out,
                        const char **why)
{
	const char *f;
	size_t flen, p = *pos;

	if (p >= len || s[p] != '[') {
		if (field(s, len, pos, &f, &flen) < 0)
			return bad(why, -EINVAL, "missing ':' after server");
		if (iscsi_addr_parse_host(f, flen, &out->server) < 0)
			return bad(why, -EINVAL, "server: not an IPv4 address or host name");
		return 0;
	}
	const char *close = memchr(s + p, ']', len - p);
	if (close == NULL || (size_t)(close - s) + 1 >= len || close[1] != ':')
		return bad(why, -EINVAL, "server: unterminated [IPv6] literal");
	flen = (size_t)(close - s) - p - 1;
	if (flen > ISCSI_HOST_MAX || iscsi_addr_parse_ipv6(s + p + 1, flen, out->server.ip) < 0)
		return bad(why, -EINVAL, "server: bad IPv6 address");
	out->server.kind = ISCSI_HOST_IPV6;
	memcpy(out->server.name, s + p + 1, flen);
	*pos = (size_t)(close - s) + 2;
	return 0;
}

/* The protocol, port and LUN fields, each possibly empty. */
static int parse_proto_port_lun(const char *s, size_t len, size_t *pos,
                                struct iscsi_rootpath *out, const char **why)
{
	const char *f;
	size_t flen;
	uint32_t v;

	if (field(s, len, pos, &f, &flen) < 0)
		return bad(why, -EINVAL, "missing ':' after protocol");
	if (flen != 0) {
		if (iscsi_addr_parse_uint(f, flen, 255, &v) < 0)
			return bad(why, -EINVAL, "protocol: not a number");
		if (v != 6)
			return bad(why, -EPROTONOSUPPORT, "protocol: only 6 (TCP) is supported");
	}
	if (field(s, len, pos, &f, &flen) < 0)
		return bad(why, -EINVAL, "missing ':' after port");
	if (flen != 0) {
		if (iscsi_addr_parse_uint(f, flen, 65535, &v) < 0 || v == 0)
			return bad(why, -EINVAL, "port: not a number from 1 to 65535");
		out->port = (uint16_t)v;
	}
	if (field(s, len, pos, &f, &flen) < 0)
		return bad(why, -EINVAL, "missing ':' after LUN");
	if (parse_lun(f, flen, out->lun) < 0)
		return bad(why, -EINVAL, "LUN: not decimal (0-16383) or hex groups like 4752-3A4F");
	return 0;
}

/* The target name: the rest of the string, colons included. */
static int parse_target(const char *s, size_t len, size_t pos, struct iscsi_rootpath *out,
                        const char **why)
{
	size_t flen = len - pos;

	if (flen > ISCSI_NAME_MAX)
		return bad(why, -EINVAL, "targetname: longer than 223 bytes");
	for (size_t i = pos; i < len; i++)
		if ((uint8_t)s[i] <= ' ' || (uint8_t)s[i] >= 0x7f)
			return bad(why, -EINVAL,
			           "targetname: contains spaces or control characters");
	memcpy(out->target, s + pos, flen);
	out->target[flen] = '\0';
	return 0;
}

int iscsi_rootpath_parse(const char *s, struct iscsi_rootpath *out, const char **why)
{
	const char *at = NULL;
	size_t len, pos = 6;
	int rc;

	ASSERT(s != NULL && out != NULL);
	memset(out, 0, sizeof(*out));
	out->protocol = 6;
	out->port = ISCSI_DEFAULT_PORT;
	len = strlen(s);
	if (len < 6 || !((s[0] | 0x20) == 'i' && (s[1] | 0x20) == 's' && (s[2] | 0x20) == 'c' &&
	                 (s[3] | 0x20) == 's' && (s[4] | 0x20) == 'i' && s[5] == ':'))
		return bad(why, -EINVAL, "does not start with \"iscsi:\"");

	/* the last '@': passwords may contain '@', the rest of the string cannot */
	for (size_t i = pos; i < len; i++)
		if (s[i] == '@')
			at = s + i;
	if (at != NULL) {
		rc = parse_creds(s + pos, (size_t)(at - s) - pos, out, why);
		if (rc < 0)
			return rc;
		pos = (size_t)(at - s) + 1;
	}
	rc = parse_server(s, len, &pos, out, why);
	if (rc == 0)
		rc = parse_proto_port_lun(s, len, &pos, out, why);
	if (rc == 0)
		rc = parse_target(s, len, pos, out, why);
	return rc;
}

int iscsi_rootpath_ipxe_encap(const uint8_t *val, size_t len, struct iscsi_dhcp_boot *out)
{
	static const struct {
		uint8_t code;
		size_t off;
	} subs[] = {
		{190, offsetof(struct iscsi_dhcp_boot, user)},
		{191, offsetof(struct iscsi_dhcp_boot, pass)},
		{192, offsetof(struct iscsi_dhcp_boot, ruser)},
		{193, offsetof(struct iscsi_dhcp_boot, rpass)},
	};
	struct iscsi_dhcp_boot tmp = *out;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		const uint8_t *v;
		size_t vlen;
		int rc = netcfg_dhcp_find(val, len, subs[i].code, &v, &vlen);
		if (rc == -ENOENT)
			continue;
		if (rc || netcfg_dhcp_string(v, vlen, (char *)&tmp + subs[i].off,
					     ISCSI_DHCP_STR_MAX))
			return -EINVAL;
	}
	*out = tmp;
	return 0;
}
