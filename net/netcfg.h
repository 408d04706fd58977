/*
 * Network configuration from the command line and from DHCP options.
 *
 * Pure logic: no lwIP, no allocation, no global state, so it is host
 * unit-tested (tests/unit/test_netcfg.c) and callable from any context.
 * Addresses are IPv4 in host byte order (10.0.2.15 is 0x0a00020f).
 *
 * Accepted ip= forms (Linux nfsroot.txt and dracut.cmdline(7)):
 *   ip=dhcp                  DHCP on every NIC (also "on", "any")
 *   ip=off | ip=none         no address at all
 *   ip=<iface>:dhcp          DHCP on that NIC only
 *   ip=<client>:[<server>]:[<gw>]:<netmask>:[<hostname>]:[<iface>]:{none|off|static}
 *       optionally followed by further ":"-separated fields (dns, mtu,
 *       MAC), which are ignored.  <netmask> is dotted (255.255.255.0) or a
 *       prefix length (24).  An autoconf field of dhcp/on/any asks for DHCP
 *       instead, keeping the hostname and interface.
 * ifname=<name>:<MAC> names the NIC with that MAC (MAC as aa:bb:cc:dd:ee:ff
 * or aa-bb-...).
 */
#ifndef NET_NETCFG_H
#define NET_NETCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETCFG_IFNAME_MAX   16 /* with the NUL */
#define NETCFG_HOSTNAME_MAX 64 /* with the NUL */

enum netcfg_mode {
	NETCFG_OFF,    /* no address */
	NETCFG_DHCP,   /* ask a DHCP server */
	NETCFG_STATIC, /* addr/mask/gw below */
};

struct netcfg_ip {
	enum netcfg_mode mode;
	uint32_t addr, server, gw, mask;    /* STATIC only; server and gw may be 0 */
	char hostname[NETCFG_HOSTNAME_MAX]; /* "" if none */
	char iface[NETCFG_IFNAME_MAX];      /* "" means every NIC (DHCP) or the first (STATIC) */
};

struct netcfg_ifname {
	char name[NETCFG_IFNAME_MAX];
	uint8_t mac[6];
};

/*
 * Parse the value of ip=.  Returns 0 and fills *out, or -EINVAL with *out
 * zeroed and, if err is non-NULL, a one-line reason in err (always
 * NUL-terminated when errlen > 0).
 */
int netcfg_parse_ip(const char *s, struct netcfg_ip *out, char *err, size_t errlen);

/* Parse the value of ifname=.  0 or -EINVAL, as netcfg_parse_ip(). */
int netcfg_parse_ifname(const char *s, struct netcfg_ifname *out, char *err, size_t errlen);

/* Dotted-quad IPv4 address in s[0..len): exactly four decimal parts 0..255,
 * no blanks, no leading '+'.  0 or -EINVAL. */
int netcfg_parse_ipv4(const char *s, size_t len, uint32_t *out);

/* Netmask in s[0..len): dotted (must be contiguous ones) or a prefix length
 * 0..32.  0 or -EINVAL. */
int netcfg_parse_mask(const char *s, size_t len, uint32_t *out);

/* Six hex pairs separated by ':' or '-'.  0 or -EINVAL. */
int netcfg_parse_mac(const char *s, size_t len, uint8_t mac[6]);

/*
 * A DHCP string option (12 host name, 17 root path, 175.x iPXE strings):
 * copies val[0..len) into out as a C string.  Trailing NULs, which some
 * servers send, are dropped; an embedded NUL or a control character makes
 * it -EINVAL; a value that does not fit in outlen - 1 bytes is -E2BIG.
 * out is "" on error.
 */
int netcfg_dhcp_string(const uint8_t *val, size_t len, char *out, size_t outlen);

/*
 * Find sub-option code in an encapsulated option block (RFC 2132 layout:
 * code, length, value; 0 is a pad byte, 255 ends the block), as iPXE's
 * option 175 carries them.  Returns 0 with *val and *vlen set, -ENOENT if
 * absent, -EINVAL if the block is malformed (a length runs past the end).
 */
int netcfg_dhcp_find(const uint8_t *buf, size_t len, uint8_t code, const uint8_t **val,
                     size_t *vlen);

/*
 * Ask a DHCP server for more options: append codes[0..n) to the parameter
 * request list (option 55) already in opts[0..*len), shifting what follows
 * it.  A server reads only the first option 55 (RFC 3396 concatenation is
 * not honoured by dnsmasq, for one), so a second list would be ignored.
 * Codes already listed are not repeated; with no option 55 present, one is
 * added at the end.  opts holds no end option yet (lwIP adds it after its
 * append hook).  cap is the room in opts.  0, -ENOSPC if it does not fit
 * (opts untouched), or -EINVAL if the options are malformed.
 */
int netcfg_dhcp_request_more(uint8_t *opts, size_t *len, size_t cap, const uint8_t *codes,
                             size_t n);

#endif
