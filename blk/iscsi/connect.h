/*
 * Reaching a target: TCP to the portal, the login phase (following
 * redirects) up to Full Feature Phase, and SendTargets discovery.
 *
 * Contexts and memory.  Thread context only: every call sleeps on the
 * network.  The caller owns the buffers (ISCSI_CONNECT_BUF bytes each, from
 * the storage partition); nothing here allocates, except iscsi_discover(),
 * which takes its two buffers from the storage partition and gives them back.
 * Errors are printed here, once, with what to do about them.
 */
#ifndef BLK_ISCSI_CONNECT_H
#define BLK_ISCSI_CONNECT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "blk/iscsi/login.h"

struct iscsi_cfg {
	char portal[64]; /* IPv4 dotted quad */
	uint16_t port;
	char target[ISCSI_NAME_MAX + 1]; /* "" for a discovery session */
	uint32_t lun;
	char initiator[ISCSI_NAME_MAX + 1];
	uint8_t isid[6];
	char chap_user[ISCSI_NAME_MAX + 1]; /* "" = no CHAP */
	char chap_secret[ISCSI_SECRET_MAX + 1];
	char mutual_user[ISCSI_NAME_MAX + 1];
	char mutual_secret[ISCSI_SECRET_MAX + 1]; /* "" = one-way only */
	uint8_t header_digest, data_digest;       /* enum iscsi_digest offers */
	uint64_t replacement_timeout_ns;          /* fail I/O after the link is down this long */
	uint64_t cmd_timeout_ns;                  /* abort a command after this */
	uint64_t nop_interval_ns, nop_timeout_ns; /* keepalive */
	uint64_t login_timeout_ns;                /* the first login, before giving up */
};

/* A connection in Full Feature Phase, and what its login agreed. */
struct iscsi_connected {
	struct iscsi_login_result res;
	struct net_conn *conn; /* the caller's from now on: net_close() it */
	char ip[64];           /* where we logged in: the portal, or where it redirected us */
	uint16_t port;
};

/*
 * Connect to cfg's portal and log in (a discovery session if discovery),
 * following up to 3 redirects.  itt and cmdsn are the login's initiator task
 * tag and first CmdSN.  quiet: leave connection errors unprinted (recovery
 * retries print their own).  0 with *out filled, or -errno: the login's own
 * (see login.h, and iscsi_login_error_is_final()), a connection error,
 * -EHOSTUNREACH for a redirect to a name, or -ELOOP for too many redirects.
 */
int iscsi_connect(const struct iscsi_cfg *cfg, bool discovery, uint32_t itt, uint32_t cmdsn,
                  uint8_t *buf, uint8_t *rxbuf, struct iscsi_connected *out, bool quiet);

/*
 * SendTargets discovery on cfg's portal: up to max target names into names.
 * Returns how many the target listed (may exceed max), or -errno.
 */
int iscsi_discover(const struct iscsi_cfg *cfg, char (*names)[ISCSI_NAME_MAX + 1], unsigned max);

#endif
