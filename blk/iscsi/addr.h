/*
 * Portal addresses as they appear in text: IPv4 dotted quads, IPv6 literals, DNS names, and
 * the iSCSI "host[:port][,tpgt]" form of TargetAddress (RFC 7143 §13.8).
 *
 * Pure parsing of caller buffers; no allocation, reentrant, any context.  Inputs are (pointer,
 * length) pairs and need not be NUL-terminated.  Every function returns 0 or -EINVAL and, on
 * failure, leaves *out in an unspecified state.
 *
 * IPv4 addresses are stored as IPv4-mapped IPv6 (::ffff:a.b.c.d) so that callers handle one
 * 16-byte address type; iBFT uses the same convention.
 */
#ifndef BLK_ISCSI_ADDR_H
#define BLK_ISCSI_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISCSI_HOST_MAX     255  /* longest DNS name we accept (RFC 1035) */
#define ISCSI_DEFAULT_PORT 3260 /* IANA iscsi-target */

enum iscsi_host_kind {
	ISCSI_HOST_NONE, /* empty: caller substitutes a default (e.g. the DHCP server) */
	ISCSI_HOST_NAME, /* DNS name, to be resolved by the caller */
	ISCSI_HOST_IPV4,
	ISCSI_HOST_IPV6,
};

struct iscsi_host {
	enum iscsi_host_kind kind;
	uint8_t ip[16];                /* valid for IPV4 (v4-mapped) and IPV6 */
	char name[ISCSI_HOST_MAX + 1]; /* the literal text, without brackets, NUL-terminated */
};

struct iscsi_portal {
	struct iscsi_host host;
	uint16_t port; /* ISCSI_DEFAULT_PORT when absent */
	bool has_tpgt;
	uint16_t tpgt; /* target portal group tag, valid if has_tpgt */
};

/* Strict dotted quad: four decimal parts 0-255, no leading zeros (no octal ambiguity). */
int iscsi_addr_parse_ipv4(const char *s, size_t len, uint8_t out[16]);

/* RFC 4291 §2.2 text forms including "::" and a trailing dotted quad; zone ids rejected. */
int iscsi_addr_parse_ipv6(const char *s, size_t len, uint8_t out[16]);

/*
 * A host without brackets: IPv4, else IPv6, else a DNS name (letters, digits, '-', '_', '.';
 * labels 1-63 bytes).  All-numeric strings that are not valid IPv4 are rejected rather than
 * taken as names.  len 0 yields ISCSI_HOST_NONE.
 */
int iscsi_addr_parse_host(const char *s, size_t len, struct iscsi_host *out);

/*
 * "host[:port][,tpgt]" with IPv6 in brackets.  Leniency: an unbracketed string with two or
 * more ':' is taken as a bare IPv6 literal without a port, as some targets send that.
 */
int iscsi_addr_parse_portal(const char *s, size_t len, struct iscsi_portal *out);

/* Decimal 0..max with no sign and no leading '+'; for ports and small fields. */
int iscsi_addr_parse_uint(const char *s, size_t len, uint32_t max, uint32_t *out);

bool iscsi_addr_is_v4mapped(const uint8_t ip[16]);

#endif
