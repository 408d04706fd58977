/*
 * Reaching a target: TCP to the portal (as storage traffic, net/sock.h),
 * the login phase with its redirects, and SendTargets discovery.  None of
 * it touches a running session; the engine (session.c) calls iscsi_connect()
 * to start or reinstate one and takes the connection over from there.
 */
#include <errno.h>
#include <string.h>

#include "blk/iscsi/connect.h"
#include "blk/iscsi/pdu.h"
#include "blk/iscsi/text.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/rand.h"
#include "lib/crc32c.h"
#include "mm/mm.h"
#include "net/sock.h"

static int login_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	rand_bytes(buf, len);
	return 0;
}

static void login_config(const struct iscsi_cfg *cfg, bool discovery, uint32_t itt,
                         uint32_t cmdsn, struct iscsi_login_config *lc)
{
	memset(lc, 0, sizeof(*lc));
	lc->initiator_name = cfg->initiator;
	lc->target_name = discovery ? 0 : cfg->target;
	memcpy(lc->isid, cfg->isid, 6);
	lc->tsih = 0; /* ERL 0: a new connection reinstates the session with our ISID */
	lc->cid = 1;
	lc->itt = itt;
	lc->cmdsn = cmdsn;
	if (cfg->chap_user[0]) {
		lc->chap_name = cfg->chap_user;
		lc->chap_secret = (const uint8_t *)cfg->chap_secret;
		lc->chap_secret_len = strlen(cfg->chap_secret);
	}
	if (cfg->mutual_secret[0]) {
		lc->mutual_name = cfg->mutual_user;
		lc->mutual_secret = (const uint8_t *)cfg->mutual_secret;
		lc->mutual_secret_len = strlen(cfg->mutual_secret);
	}
	lc->allow_short_secret = true; /* tgt and many arrays accept them; RFC says 12+ */
	iscsi_params_preferred(&lc->params);
	lc->params.header_digest = cfg->header_digest;
	lc->params.data_digest = cfg->data_digest;
	lc->random = login_random;
}

/* One connection's synchronous PDU exchange: the login (never with digests:
 * they start after it) and discovery (with what the login agreed). */
struct pdu_io {
	struct net_conn *c;
	bool hd, dd;
	uint64_t timeout;
};

static int recv_all(const struct pdu_io *io, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		long n = net_recv(io->c, (uint8_t *)buf + got, len - got, io->timeout);
		if (n <= 0)
			return n == 0 ? -ECONNRESET : (int)n;
		got += (size_t)n;
	}
	return 0;
}

/*
 * Receive one whole PDU: the BHS into bhs, the data segment (with its
 * padding) into data[0..cap).  Digests are checked before anything is
 * believed; an AHS is read and dropped.  0, -EBADMSG (a digest), -EPROTO (a
 * malformed header), -EMSGSIZE, or a connection error.
 */
static int pdu_recv(const struct pdu_io *io, uint8_t *bhs, uint8_t *data, uint32_t cap,
                    struct iscsi_pdu *p)
{
	uint8_t digest[ISCSI_DIGEST_LEN];
	int rc = recv_all(io, bhs, ISCSI_BHS_LEN);
	uint32_t ahs = bhs[4] * 4u, crc = crc32c(bhs, ISCSI_BHS_LEN);
	if (!rc && ahs > cap)
		return -EMSGSIZE;
	if (!rc && ahs && !(rc = recv_all(io, data, ahs)))
		crc = crc32c_extend(crc, data, ahs);
	if (!rc && io->hd && !(rc = recv_all(io, digest, sizeof(digest))) &&
	    crc != crc32c_get(digest)) {
		pr_err("iscsi: header digest mismatch from the target\n");
		return -EBADMSG;
	}
	if (rc)
		return rc;
	const char *why = "";
	if (iscsi_pdu_decode(bhs, ISCSI_FROM_TARGET, cap, p, &why)) {
		pr_err("iscsi: malformed PDU from the target: %s\n", why);
		return -EPROTO;
	}
	uint32_t len = p->data_len + iscsi_pdu_pad(p->data_len);
	if (len > cap)
		return -EMSGSIZE;
	rc = recv_all(io, data, len);
	if (rc || !io->dd || !p->data_len)
		return rc;
	rc = recv_all(io, digest, sizeof(digest));
	if (!rc && iscsi_pdu_check_data_digest(data, p->data_len, digest)) {
		pr_err("iscsi: data digest mismatch from the target\n");
		return -EBADMSG;
	}
	return rc;
}

/* Send one PDU: the BHS (and its digest), data[0..len), padding (and the
 * data digest). */
static int pdu_send(const struct pdu_io *io, const uint8_t *bhs, const uint8_t *data,
                    uint32_t len)
{
	static const uint8_t zeros[4];
	uint8_t hdr[ISCSI_BHS_LEN + ISCSI_DIGEST_LEN], tail[ISCSI_DIGEST_LEN];
	memcpy(hdr, bhs, ISCSI_BHS_LEN);
	if (io->hd)
		iscsi_pdu_put_hdr_digest(hdr, ISCSI_BHS_LEN, hdr + ISCSI_BHS_LEN);
	int rc = net_send_all(io->c, hdr, ISCSI_BHS_LEN + (io->hd ? ISCSI_DIGEST_LEN : 0));
	if (!rc && len)
		rc = net_send_all(io->c, data, len);
	if (!rc && iscsi_pdu_pad(len))
		rc = net_send_all(io->c, zeros, iscsi_pdu_pad(len));
	if (!rc && io->dd && len) {
		iscsi_pdu_put_data_digest(data, len, tail);
		rc = net_send_all(io->c, tail, sizeof(tail));
	}
	return rc;
}

/* What a connection error most likely means, for the admin reading it. */
static const char *conn_hint(int rc)
{
	switch (rc) {
	case -ECONNREFUSED:
		return " (connection refused: is the target running and listening there?)";
	case -ETIMEDOUT:
		return " (timed out: check the address and the network)";
	case -ECONNRESET:
		return " (the target closed the connection: is it running, and does it accept "
		       "this initiator?)";
	default:
		return "";
	}
}

int iscsi_connect(const struct iscsi_cfg *cfg, bool discovery, uint32_t itt, uint32_t cmdsn,
                  uint8_t *buf, uint8_t *rxbuf, struct iscsi_connected *out, bool quiet)
{
	char ip[64];
	uint16_t port = cfg->port;
	struct iscsi_login_config lc;
	struct iscsi_login l;
	const uint64_t timeout = 15 * NSEC_PER_SEC;
	strncpy(ip, cfg->portal, sizeof(ip) - 1);
	ip[sizeof(ip) - 1] = 0;
	login_config(cfg, discovery, itt, cmdsn, &lc);
	for (int redirects = 0; redirects < 4; redirects++) {
		struct net_conn *c;
		int rc = net_connect_storage(ip, port, &c, timeout);
		if (rc) {
			if (!quiet)
				pr_err("iscsi: cannot connect to %s:%u: error %d%s\n", ip, port, rc,
				       conn_hint(rc));
			return rc;
		}
		rc = iscsi_login_init(&l, &lc, rxbuf, ISCSI_CONNECT_BUF);
		if (rc) {
			pr_err("iscsi: %s\n", iscsi_login_msg(&l));
			net_close(c);
			return rc;
		}
		const struct pdu_io io = {.c = c, .timeout = timeout};
		for (;;) {
			uint8_t bhs[ISCSI_BHS_LEN];
			uint32_t len;
			rc = iscsi_login_build(&l, bhs, buf, ISCSI_CONNECT_BUF, &len);
			if (!rc)
				rc = pdu_send(&io, bhs, buf, len);
			struct iscsi_pdu p;
			if (!rc)
				rc = pdu_recv(&io, bhs, buf, ISCSI_CONNECT_BUF, &p);
			if (rc) {
				if (!quiet)
					pr_err("iscsi: login to %s:%u failed: connection error %d%s\n",
					       ip, port, rc, conn_hint(rc));
				break;
			}
			rc = iscsi_login_rx(&l, bhs, buf, p.data_len);
			if (rc == ISCSI_LOGIN_SEND)
				continue;
			break;
		}
		if (rc == ISCSI_LOGIN_DONE) {
			out->res = *iscsi_login_result(&l);
			out->conn = c;
			memcpy(out->ip, ip, sizeof(out->ip));
			out->port = port;
			return 0;
		}
		net_close(c);
		if (rc == ISCSI_LOGIN_REDIRECT) {
			bool perm;
			const struct iscsi_portal *to = iscsi_login_redirect(&l, &perm);
			/* the message ends with the new host; the port completes it */
			pr_info("iscsi: %s:%u\n", iscsi_login_msg(&l), to->port);
			if (to->host.kind != ISCSI_HOST_IPV4) {
				pr_err(
				    "iscsi: redirected to %s, which is not an IPv4 address; tether "
				    "does not resolve names\n",
				    to->host.name);
				return -EHOSTUNREACH;
			}
			strncpy(ip, to->host.name, sizeof(ip) - 1);
			port = to->port;
			continue;
		}
		if (rc < 0 && iscsi_login_msg(&l)[0])
			pr_err("iscsi: %s\n", iscsi_login_msg(&l));
		return rc < 0 ? rc : -EPROTO;
	}
	pr_err("iscsi: too many login redirects\n");
	return -ELOOP;
}

/*
 * Text Request SendTargets=All, and the answer into rx: it may come in
 * several PDUs (C bit), each asked for with an empty request carrying the
 * target's TTT.  Returns the answer's length, or -errno.
 */
static int send_targets(const struct pdu_io *io, const struct iscsi_connected *lo, uint8_t *buf,
                        uint8_t *rx)
{
	struct iscsi_text_buf tb;
	iscsi_text_buf_init(&tb, buf, ISCSI_CONNECT_BUF);
	iscsi_text_add(&tb, "SendTargets", "All");
	struct iscsi_pdu p = {
	    .opcode = ISCSI_OP_TEXT_REQ, .immediate = true, .flags = ISCSI_F_FINAL};
	p.itt = 1;
	p.ttt = ISCSI_TAG_RESERVED;
	p.cmdsn = lo->res.expcmdsn;
	p.expstatsn = lo->res.expstatsn;
	p.data_len = (uint32_t)tb.len;
	uint32_t total = 0;
	for (;;) {
		uint8_t bhs[ISCSI_BHS_LEN];
		struct iscsi_pdu r;
		iscsi_pdu_encode(&p, bhs);
		int rc = pdu_send(io, bhs, buf, p.data_len);
		if (!rc)
			rc = pdu_recv(io, bhs, rx + total, ISCSI_CONNECT_BUF - total, &r);
		if (rc)
			return rc;
		if (r.opcode != ISCSI_OP_TEXT_RSP) {
			pr_err("iscsi: discovery: expected a Text Response, got %s\n",
			       iscsi_pdu_opcode_name(r.opcode));
			return -EPROTO;
		}
		total += r.data_len;
		if (!(r.flags & ISCSI_F_CONTINUE))
			return (int)total;
		p.ttt = r.ttt;
		p.data_len = 0;
		p.expstatsn = r.statsn + 1;
	}
}

/* The distinct target names in a SendTargets answer; how many there were. */
static int target_names(const uint8_t *rx, uint32_t len, char (*names)[ISCSI_NAME_MAX + 1],
                        unsigned max)
{
	struct iscsi_sendtargets st;
	struct iscsi_st_entry e;
	const char *last = 0;
	unsigned n = 0;
	int rc;
	iscsi_sendtargets_init(&st, rx, len);
	while ((rc = iscsi_sendtargets_next(&st, &e)) > 0) {
		if (last == e.name)
			continue; /* another portal of the same target */
		last = e.name;
		if (n < max) {
			strncpy(names[n], e.name, ISCSI_NAME_MAX);
			names[n][ISCSI_NAME_MAX] = 0;
		}
		n++;
	}
	return rc < 0 ? rc : (int)n;
}

int iscsi_discover(const struct iscsi_cfg *cfg, char (*names)[ISCSI_NAME_MAX + 1], unsigned max)
{
	uint8_t *buf = mm_alloc(MM_STORAGE, ISCSI_CONNECT_BUF);
	uint8_t *rx = mm_alloc(MM_STORAGE, ISCSI_CONNECT_BUF);
	struct iscsi_connected lo;
	int rc = -ENOMEM;
	if (!buf || !rx)
		goto out;
	rc = iscsi_connect(cfg, true, 0x70000000u, 1, buf, rx, &lo, false);
	if (rc)
		goto out;
	/* Digests apply from the first PDU after the login, discovery's included. */
	const struct pdu_io io = {.c = lo.conn,
	                          .hd = lo.res.params.header_digest == ISCSI_DIGEST_CRC32C,
	                          .dd = lo.res.params.data_digest == ISCSI_DIGEST_CRC32C,
	                          .timeout = 15 * NSEC_PER_SEC};
	rc = send_targets(&io, &lo, buf, rx);
	if (rc >= 0)
		rc = target_names(rx, (uint32_t)rc, names, max);
	net_close(lo.conn);
out:
	mm_free(MM_STORAGE, rx);
	mm_free(MM_STORAGE, buf);
	return rc;
}
