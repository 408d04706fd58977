/*
 * TCP for the iSCSI initiator and the apps: a narrow, blocking API over the
 * net thread.  No lwIP types cross it; every lwIP error becomes a -errno
 * here, once.
 *
 * Contexts.  Every call is made from an ordinary thread (kernel or app),
 * never from the net thread or an interrupt, and blocks until the net thread
 * has done the work.  net_send()'s done callback is the exception: it runs in
 * the net thread, so it must be short and must not block or call net_*
 * (waking a semaphore is the usual thing to do).
 *
 * Connections.  A struct net_conn comes from net_connect() or net_accept()
 * (a listener from net_listen()) and is owned by the caller until
 * net_close(), which frees it.  One thread at a time may call net_recv() on
 * a connection and one may call net_send(); the two may be different
 * threads.
 *
 * Timeouts are relative, in nanoseconds; 0 means none.
 */
#ifndef NET_SOCK_H
#define NET_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct net_conn;

struct net_iov {
	const void *base;
	size_t len;
};

/*
 * Connect to ip ("10.0.2.100", dotted) port.  Waits for an address first
 * (net_wait_up) within the same timeout.  0 and *out, or -EINVAL (bad
 * address), -ENOMEM (no connection slot), -ETIMEDOUT, -ECONNREFUSED,
 * -EHOSTUNREACH, -ENETDOWN ...
 */
int net_connect(const char *ip, uint16_t port, struct net_conn **out, uint64_t timeout_ns);

/*
 * net_connect() for the storage class (net/flow.h): the connection's frames
 * are recognised as storage from its first SYN on, served ahead of general
 * traffic, and kept apart from it (docs/ARCHITECTURE.md, "Traffic
 * classes").  The iSCSI initiator opens every connection this way.  Also
 * -ENOMEM when NET_STORAGE_FLOWS_MAX storage connections are open.
 */
int net_connect_storage(const char *ip, uint16_t port, struct net_conn **out,
                        uint64_t timeout_ns);

/*
 * Listen on port (all addresses).  0 and *out, or -EADDRINUSE, -ENOMEM.
 * Connections arriving before net_accept() queue up to NET_ACCEPT_MAX; more
 * are refused.
 */
int net_listen(uint16_t port, struct net_conn **out);

/* Wait for a connection on a listener.  0 and *out, or -ETIMEDOUT, -EINVAL. */
int net_accept(struct net_conn *listener, struct net_conn **out, uint64_t timeout_ns);

/*
 * Queue iov[0..n) for sending, without copying: the caller keeps every
 * buffer unchanged until done(arg, err) runs.  err is 0 once the peer has
 * acknowledged all the bytes, or a -errno if the connection failed or was
 * closed first.  done runs exactly once per accepted call, in the net
 * thread (see above); it may be NULL.
 * Returns 0 if queued, -EAGAIN when NET_SENDS_MAX sends are still pending
 * (wait for a done, then retry), -EINVAL (n > NET_IOV_MAX), or the
 * connection's error.  Does not wait for the network.
 */
int net_send(struct net_conn *c, const struct net_iov *iov, unsigned n,
             void (*done)(void *arg, int err), void *arg);

/* net_send() of one buffer, then wait for its done: the peer acknowledged
 * it all (0) or the connection failed (-errno).  No timeout of its own:
 * TCP's retransmission limit ends a dead connection. */
int net_send_all(struct net_conn *c, const void *buf, size_t len);

/*
 * Copy up to len received bytes into buf, waiting for at least one.
 * Returns the count, 0 at end of stream (the peer closed), or -ETIMEDOUT,
 * -ECONNRESET, ...
 */
long net_recv(struct net_conn *c, void *buf, size_t len, uint64_t timeout_ns);

/*
 * Close and free c.  Pending sends get up to 5 s to be acknowledged (their
 * buffers are still in use until then); then the connection is reset and
 * they complete with -ECONNABORTED.  Every done has run when this returns.
 * 0, or the connection's error if it had already failed.
 */
int net_close(struct net_conn *c);

/* Local and peer address of a connection as "a.b.c.d:port".  Any thread. */
void net_conn_name(const struct net_conn *c, char *local, char *peer, size_t len);

#endif
