/*
 * Storage bring-up: pick the target (command line, DHCP root-path, iBFT),
 * run discovery when only a portal is known, then open the session and
 * register the LUN.  Everything that can be wrong with the configuration is
 * reported here, in words an admin can act on.
 */
#include <errno.h>
#include <string.h>

#include "blk/iscsi/iscsi.h"
#include "blk/iscsi/ibft.h"
#include "blk/iscsi/rootpath.h"
#include "blk/iscsi/session.h"
#include "blk/scsi.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/params.h"
#include "kernel/thread.h"
#include "net/net.h"
#include "net/netcfg.h"
#include "net/nic.h"

static const char *const digest_choices[] = {"none", "crc32c", "prefer-crc32c", "prefer-none", 0};

PARAM(netroot, .key = "netroot", .type = CMDLINE_STR, .on_bad = CMDLINE_FATAL,
      .help = "iscsi:[user:pass[:ruser:rpass]@]server:[proto]:[port]:[lun]:[target] (dracut)");
PARAM(initiator, .key = "rd.iscsi.initiator", .type = CMDLINE_STR, .on_bad = CMDLINE_FATAL,
      .help = "our initiator IQN (default: made from the first NIC's MAC)");
PARAM(target, .key = "rd.iscsi.target", .type = CMDLINE_STR, .on_bad = CMDLINE_FATAL,
      .help = "after discovery, the target to use (default: the first listed)");
PARAM(timeout, .key = "rd.iscsi.timeout", .type = CMDLINE_UINT, .defval = "120", .min = 1,
      .max = 86400, .on_bad = CMDLINE_USE_DEFAULT,
      .help = "seconds the target may be unreachable before I/O fails (replacement timeout)");
PARAM(cmd_timeout, .key = "iscsi.cmd_timeout", .type = CMDLINE_UINT, .defval = "30", .min = 1,
      .max = 3600, .on_bad = CMDLINE_USE_DEFAULT,
      .help = "seconds before a command is aborted (then the LUN reset, then reconnect)");
PARAM(nop_interval, .key = "iscsi.nop_interval", .type = CMDLINE_UINT, .defval = "5", .min = 0,
      .max = 3600, .on_bad = CMDLINE_USE_DEFAULT,
      .help = "idle seconds before a NOP-Out keepalive (0: none)");
PARAM(nop_timeout, .key = "iscsi.nop_timeout", .type = CMDLINE_UINT, .defval = "10", .min = 1,
      .max = 3600, .on_bad = CMDLINE_USE_DEFAULT,
      .help = "seconds to wait for a NOP-In before the connection counts as lost");
PARAM(hdigest, .key = "iscsi.header_digest", .type = CMDLINE_ENUM, .defval = "prefer-crc32c",
      .choices = digest_choices, .on_bad = CMDLINE_USE_DEFAULT,
      .help = "HeaderDigest offer: none, crc32c, prefer-crc32c, prefer-none");
PARAM(ddigest, .key = "iscsi.data_digest", .type = CMDLINE_ENUM, .defval = "prefer-none",
      .choices = digest_choices, .on_bad = CMDLINE_USE_DEFAULT,
      .help = "DataDigest offer: none, crc32c, prefer-crc32c, prefer-none");

#define IBFT_LO 0x80000UL
#define IBFT_HI 0x100000UL

static struct iscsi_cfg cfg;
static struct iscsi_rootpath rp;
static struct iscsi_ibft ibft;
static char discovered[ISCSI_DISCOVERED_MAX][ISCSI_NAME_MAX + 1];

/* ---- what the DHCP lease says (net thread writes, boot thread reads) ---- */

#define ROOT_PATH_MAX 256
static char dhcp_root[ROOT_PATH_MAX];  /* the first lease's root path wins */
static struct iscsi_dhcp_boot dhcp_boot;

static void on_root_path(const char *ifname, const uint8_t *val, size_t len)
{
	char s[ROOT_PATH_MAX];
	if (netcfg_dhcp_string(val, len, s, sizeof(s)) || dhcp_root[0])
		return;
	pr_info("net: %s: DHCP root path %s\n", ifname, s);
	uint64_t fl = irq_save();
	memcpy(dhcp_root, s, sizeof(dhcp_root));
	irq_restore(fl);
}
NET_DHCP_OPTION(iscsi_root, ISCSI_DHCP_ROOT_PATH, on_root_path);

static void on_ipxe(const char *ifname, const uint8_t *val, size_t len)
{
	const uint8_t *v;
	size_t vlen;
	char had[sizeof(dhcp_boot.user)];
	memcpy(had, dhcp_boot.user, sizeof(had));
	if (netcfg_dhcp_find(val, len, ISCSI_DHCP_IPXE_VERSION, &v, &vlen) == 0)
		pr_debug("net: %s: DHCP server knows iPXE (option 175)\n", ifname);
	if (iscsi_rootpath_ipxe_encap(val, len, &dhcp_boot))
		pr_warn("net: %s: DHCP option 175 is malformed; ignoring its credentials\n", ifname);
	else if (dhcp_boot.user[0] && strcmp(had, dhcp_boot.user)) /* OFFER and ACK */
		pr_info("net: %s: DHCP gives iSCSI CHAP credentials for %s\n", ifname,
		        dhcp_boot.user);
}
NET_DHCP_OPTION(iscsi_ipxe, ISCSI_DHCP_IPXE, on_ipxe);

static void on_initiator(const char *ifname, const uint8_t *val, size_t len)
{
	char had[sizeof(dhcp_boot.initiator)];
	memcpy(had, dhcp_boot.initiator, sizeof(had));
	if (netcfg_dhcp_string(val, len, dhcp_boot.initiator, sizeof(dhcp_boot.initiator)))
		pr_warn("net: %s: DHCP option 203 (initiator IQN) is malformed; ignoring it\n",
		        ifname);
	else if (strcmp(had, dhcp_boot.initiator))
		pr_info("net: %s: DHCP initiator name %s\n", ifname, dhcp_boot.initiator);
}
NET_DHCP_OPTION(iscsi_initiator, ISCSI_DHCP_INITIATOR, on_initiator);

static int dhcp_root_path(char *buf, size_t len)
{
	int rc = 0;
	uint64_t fl = irq_save();
	if (!dhcp_root[0])
		rc = -ENOENT;
	else if (strlen(dhcp_root) >= len)
		rc = -E2BIG;
	else
		memcpy(buf, dhcp_root, strlen(dhcp_root) + 1);
	irq_restore(fl);
	return rc;
}

static const uint8_t digest_map[] = {ISCSI_DIGEST_NONE, ISCSI_DIGEST_CRC32C,
                                     ISCSI_DIGEST_PREFER_CRC32C, ISCSI_DIGEST_PREFER_NONE};

static int ipv4_text(const uint8_t ip[16], char *out, size_t len)
{
	if (!iscsi_addr_is_v4mapped(ip))
		return -EAFNOSUPPORT;
	fmt_snprintf(out, len, "%u.%u.%u.%u", ip[12], ip[13], ip[14], ip[15]);
	return 0;
}

static void copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* Fill cfg from a parsed root path (command line or DHCP); 0 or -EINVAL. */
static int from_rootpath(const char *what)
{
	if (rp.server.kind == ISCSI_HOST_NONE) {
		pr_err("iscsi: %s names no server; give the target's IPv4 address\n", what);
		return -EINVAL;
	}
	if (rp.server.kind != ISCSI_HOST_IPV4) {
		pr_err("iscsi: %s names the server '%s'; tether has no DNS and speaks IPv4: give "
		       "an IPv4 address\n",
		       what, rp.server.name);
		return -EINVAL;
	}
	ipv4_text(rp.server.ip, cfg.portal, sizeof(cfg.portal));
	cfg.port = rp.port;
	if (scsi_lun_decode(rp.lun, &cfg.lun)) {
		pr_err("iscsi: %s: the LUN uses an addressing method tether does not support\n",
		       what);
		return -EINVAL;
	}
	copy(cfg.target, sizeof(cfg.target), rp.target);
	if (rp.has_chap) {
		copy(cfg.chap_user, sizeof(cfg.chap_user), rp.user);
		copy(cfg.chap_secret, sizeof(cfg.chap_secret), rp.pass);
	}
	if (rp.has_mutual) {
		copy(cfg.mutual_user, sizeof(cfg.mutual_user), rp.ruser);
		copy(cfg.mutual_secret, sizeof(cfg.mutual_secret), rp.rpass);
	}
	return 0;
}

static int from_ibft(void)
{
	size_t off;
	const char *why = "";
	if (iscsi_ibft_find((const uint8_t *)IBFT_LO, IBFT_HI - IBFT_LO, &off))
		return -ENOENT;
	if (iscsi_ibft_parse((const uint8_t *)IBFT_LO + off, IBFT_HI - IBFT_LO - off, &ibft,
	                     &why)) {
		const uint8_t *t = (const uint8_t *)IBFT_LO + off;
		uint32_t len = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24;
		pr_err("iscsi: the iBFT at %#lx is malformed (%s); ignoring it\n", IBFT_LO + off,
		       why);
		/* The raw table at loglevel=7, for a bug report. */
		for (uint32_t i = 0; i < len && i < 1024; i += 8)
			pr_debug("iscsi: ibft %04x: %02x %02x %02x %02x %02x %02x %02x %02x\n", i, t[i],
				 t[i + 1], t[i + 2], t[i + 3], t[i + 4], t[i + 5], t[i + 6], t[i + 7]);
		return -EINVAL;
	}
	const struct iscsi_ibft_target *t = iscsi_ibft_boot_target(&ibft);
	if (!t) {
		pr_warn("iscsi: the iBFT at %#lx names no valid target\n", IBFT_LO + off);
		return -ENOENT;
	}
	if (ipv4_text(t->ip, cfg.portal, sizeof(cfg.portal))) {
		pr_err("iscsi: the iBFT target address is IPv6; tether speaks IPv4\n");
		return -EINVAL;
	}
	cfg.port = t->port ? t->port : 3260;
	if (scsi_lun_decode(t->lun, &cfg.lun))
		cfg.lun = 0;
	copy(cfg.target, sizeof(cfg.target), t->name);
	if (ibft.initiator_valid && ibft.initiator_name[0] && !cfg.initiator[0])
		copy(cfg.initiator, sizeof(cfg.initiator), ibft.initiator_name);
	if (t->chap_type != ISCSI_IBFT_CHAP_NONE && t->chap_secret_len < sizeof(cfg.chap_secret)) {
		copy(cfg.chap_user, sizeof(cfg.chap_user), t->chap_name);
		memcpy(cfg.chap_secret, t->chap_secret, t->chap_secret_len);
		cfg.chap_secret[t->chap_secret_len] = 0;
	}
	if (t->chap_type == ISCSI_IBFT_CHAP_MUTUAL &&
	    t->rchap_secret_len < sizeof(cfg.mutual_secret)) {
		copy(cfg.mutual_user, sizeof(cfg.mutual_user), t->rchap_name);
		memcpy(cfg.mutual_secret, t->rchap_secret, t->rchap_secret_len);
		cfg.mutual_secret[t->rchap_secret_len] = 0;
	}
	pr_info("iscsi: target from the iBFT at %#lx (%s): %s at %s:%u lun %u\n", IBFT_LO + off,
	        ibft.oem_id, cfg.target, cfg.portal, cfg.port, cfg.lun);
	return 0;
}

/* Pick the target; 0, -ENOENT (none configured anywhere) or -EINVAL (reported). */
static int find_target(void)
{
	const char *why = "";
	const struct cmdline_value *nr = param_get("netroot");
	if (nr->set) {
		if (iscsi_rootpath_parse(nr->str, &rp, &why)) {
			pr_err("cmdline: netroot=%s: %s; expected "
			       "iscsi:[user:pass[:ruser:rpass]@]server:[proto]:[port]:[lun]:["
			       "target]\n",
			       nr->str, why);
			return -EINVAL;
		}
		pr_info("iscsi: target from the command line (netroot=)\n");
		return from_rootpath("netroot=");
	}
	char addr[20];
	char root[512];
	if (net_wait_up(0, addr, sizeof(addr)) == 0 &&
	    dhcp_root_path(root, sizeof(root)) == 0) {
		if (strncmp(root, "iscsi:", 6) != 0) {
			pr_info("iscsi: DHCP root-path '%s' is not an iSCSI path; ignoring it\n",
			        root);
		} else if (iscsi_rootpath_parse(root, &rp, &why)) {
			pr_err("iscsi: DHCP root-path '%s': %s; fix option 17 on the DHCP server\n",
			       root, why);
			return -EINVAL;
		} else {
			pr_info("iscsi: target from DHCP root-path %s\n", root);
			int rc = from_rootpath("the DHCP root-path");
			/* The same lease may name us and carry CHAP credentials (iPXE's options). */
			struct iscsi_dhcp_boot d = dhcp_boot;
			if (d.initiator[0] && !param_get("rd.iscsi.initiator")->set)
				copy(cfg.initiator, sizeof(cfg.initiator), d.initiator);
			if (d.user[0] && !cfg.chap_user[0]) {
				copy(cfg.chap_user, sizeof(cfg.chap_user), d.user);
				copy(cfg.chap_secret, sizeof(cfg.chap_secret), d.pass);
				copy(cfg.mutual_user, sizeof(cfg.mutual_user), d.ruser);
				copy(cfg.mutual_secret, sizeof(cfg.mutual_secret), d.rpass);
			}
			return rc;
		}
	}
	return from_ibft();
}

static void default_initiator(void)
{
	const struct cmdline_value *in = param_get("rd.iscsi.initiator");
	struct nic *n = nic_count() ? nic_get(0) : 0;
	uint8_t mac[6] = {0};
	if (n)
		memcpy(mac, n->mac, 6);
	if (in->set)
		copy(cfg.initiator, sizeof(cfg.initiator), in->str);
	if (!cfg.initiator[0]) {
		fmt_snprintf(cfg.initiator, sizeof(cfg.initiator),
		             "iqn.2026-11.org.tether:%02x%02x%02x%02x%02x%02x", mac[0], mac[1],
		             mac[2], mac[3], mac[4], mac[5]);
		pr_info("iscsi: no initiator name given (rd.iscsi.initiator=); using %s\n",
		        cfg.initiator);
	}
	/* ISID: "random" format, stable per node, so a reboot reinstates, not duplicates. */
	uint8_t isid[6] = {0x80, mac[3], mac[4], mac[5], 0x00, 0x01};
	memcpy(cfg.isid, isid, 6);
}

static int discover(void)
{
	const struct cmdline_value *want = param_get("rd.iscsi.target");
	int n = iscsi_discover(&cfg, discovered, ISCSI_DISCOVERED_MAX);
	if (n < 0) {
		pr_err("iscsi: discovery at %s:%u failed (error %d)\n", cfg.portal, cfg.port, n);
		return n;
	}
	pr_info("iscsi: discovery at %s:%u found %d target%s\n", cfg.portal, cfg.port, n,
	        n == 1 ? "" : "s");
	for (int i = 0; i < n && i < ISCSI_DISCOVERED_MAX; i++)
		pr_info("iscsi:   %s\n", discovered[i]);
	if (n == 0) {
		pr_err("iscsi: the portal %s:%u lists no targets for %s; check its ACLs\n",
		       cfg.portal, cfg.port, cfg.initiator);
		return -ENOENT;
	}
	if (!want->set) {
		copy(cfg.target, sizeof(cfg.target), discovered[0]);
		return 0;
	}
	for (int i = 0; i < n && i < ISCSI_DISCOVERED_MAX; i++) {
		if (!strcmp(discovered[i], want->str)) {
			copy(cfg.target, sizeof(cfg.target), want->str);
			return 0;
		}
	}
	pr_err("iscsi: rd.iscsi.target=%s is not among the discovered targets\n", want->str);
	return -ENOENT;
}

static void bringup(void *arg)
{
	(void)arg;
	struct blk_dev *dev;
	memset(&cfg, 0, sizeof(cfg));
	cfg.replacement_timeout_ns = param_get("rd.iscsi.timeout")->num * NSEC_PER_SEC;
	cfg.cmd_timeout_ns = param_get("iscsi.cmd_timeout")->num * NSEC_PER_SEC;
	cfg.nop_interval_ns = param_get("iscsi.nop_interval")->num * NSEC_PER_SEC;
	cfg.nop_timeout_ns = param_get("iscsi.nop_timeout")->num * NSEC_PER_SEC;
	cfg.login_timeout_ns = cfg.replacement_timeout_ns;
	cfg.header_digest = digest_map[param_get("iscsi.header_digest")->choice];
	cfg.data_digest = digest_map[param_get("iscsi.data_digest")->choice];
	int rc = find_target();
	if (rc == -ENOENT) {
		pr_info("storage: no iSCSI target configured (netroot=, DHCP root-path, or an "
		        "iBFT); running without a disk\n");
		blk_bringup_failed(-ENODEV);
		return;
	}
	if (rc)
		goto fail;
	default_initiator();
	if (net_wait_up(0, 0, 0)) {
		pr_err("iscsi: the network is not up; cannot reach %s\n", cfg.portal);
		rc = -ENETDOWN;
		goto fail;
	}
	if (!cfg.target[0] && (rc = discover()))
		goto fail;
	rc = iscsi_session_open(&cfg, &dev);
	if (rc)
		goto fail;
	rc = blk_register(dev);
	if (rc)
		goto fail;
	return;
fail:
	pr_err("storage: bring-up failed (error %d); the node has no disk\n", rc);
	blk_bringup_failed(rc);
}

void iscsi_boot_start(void)
{
	if (!thread_create("storage", THREAD_PRIO_NORMAL, THREAD_DETACHED, bringup, 0)) {
		pr_err("storage: cannot start the bring-up thread\n");
		blk_bringup_failed(-ENOMEM);
	}
}
