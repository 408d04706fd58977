/*
 * The narrow TCP API (net/sock.h) over lwIP's raw callback API.
 *
 * Every lwIP call happens in the net thread: a caller fills a request on
 * its own stack, posts it with net_call() and sleeps on the request's
 * semaphore; the net thread completes it at once or parks it on the
 * connection until a callback (data, connected, accepted, acked, error) or
 * its timeout (an lwIP sys_timeout, so it too runs in the net thread) ends
 * it.  Because completion and timeout run in the same thread, a request is
 * completed exactly once and the caller never has to cancel anything.
 *
 * Sends are not requests: net_send() writes a slot of the connection's send
 * ring and posts a nudge.  The net thread feeds the slots to tcp_write()
 * without copying, as send buffer allows, and calls each slot's done when
 * the peer has acknowledged all its bytes (tcp_sent counts them in order).
 */
#include <errno.h>
#include <string.h>

#include "kernel/assert.h"
#include "kernel/clock.h"
#include "kernel/fmt.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "net/net.h"
#include "net/netcfg.h"
#include "net/netif.h"
#include "net/netmem.h"
#include "net/sock.h"

#define CLOSE_LINGER_MS 5000
#define NAME_LEN        24

enum conn_state { C_FREE, C_CONNECTING, C_OPEN, C_LISTEN };

struct send_slot {
	struct net_iov iov[NET_IOV_MAX];
	unsigned n;
	size_t total;
	void (*done)(void *arg, int err);
	void *arg;
};

struct req {
	struct sem done;
	long rc;
	struct net_conn *c;
	uint64_t timeout_ns;
	bool timer;
	union {
		struct {
			void *buf;
			size_t len;
		} rx;
		struct {
			uint32_t ip;
			uint16_t port;
			bool storage;
		} to;
		uint16_t port;
	};
	struct net_conn *newc;
};

struct net_conn {
	/* Net thread only. */
	enum conn_state state;
	struct tcp_pcb *pcb;
	bool eof;
	/* Received data, oldest first, as one pbuf chain.  pbuf lengths are 16
	 * bits and a window holds more than 64 KiB, so the chain's tot_len is
	 * never read: rx_bytes counts it.  New data is joined at rxq_tail, the
	 * chain's last pbuf, in O(1), which leaves the tot_len of the pbufs
	 * before it stale; pbuf_copy_partial() and pbuf_free_header() walk the
	 * per-pbuf lengths only.  rxq_tail is meaningless while rxq is NULL. */
	struct pbuf *rxq, *rxq_tail;
	size_t rx_bytes;
	bool rx_dirty; /* data or EOF arrived since net_sock_flush() */
	struct req *connect_req, *recv_req, *accept_req, *close_req;
	struct net_conn *acceptq[NET_ACCEPT_MAX];
	unsigned aq_head, aq_count;
	unsigned sq_posted;  /* slots handed over by net_send(), a running count */
	unsigned sq_written; /* slots fully given to tcp_write() */
	unsigned sq_head;    /* oldest slot not yet done */
	unsigned wr_iov;     /* progress inside slot sq_written */
	size_t wr_off;
	size_t acked; /* acknowledged bytes not yet charged to a slot */

	struct flow_key flow; /* registered in nif_flows while flow.rport != 0 */

	/* Shared with the calling threads. */
	int err;             /* sticky -errno, written by the net thread */
	unsigned sq_pending; /* slots in use: ++ by net_send(), -- by the net thread */
	unsigned sq_tail;    /* next slot net_send() fills; sender only */
	struct send_slot sq[NET_SENDS_MAX];
	char local[NAME_LEN], peer[NAME_LEN];
};

/* The send slots are indexed by running counts modulo their number. */
BUILD_ASSERT((NET_SENDS_MAX & (NET_SENDS_MAX - 1)) == 0);

static struct net_conn conns[NET_CONNS_MAX] NET_STATIC; /* net thread allocates and frees */
static bool any_rx_dirty;

/* ---- the one err_t boundary ---- */

static int sock_errno(err_t e)
{
	switch (e) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
		return -ENOMEM;
	case ERR_BUF:
		return -ENOBUFS;
	case ERR_TIMEOUT:
		return -ETIMEDOUT;
	case ERR_RTE:
		return -EHOSTUNREACH;
	case ERR_INPROGRESS:
		return -EINPROGRESS;
	case ERR_VAL:
	case ERR_ARG:
		return -EINVAL;
	case ERR_WOULDBLOCK:
		return -EWOULDBLOCK;
	case ERR_USE:
		return -EADDRINUSE;
	case ERR_ALREADY:
		return -EALREADY;
	case ERR_ISCONN:
		return -EISCONN;
	case ERR_CONN:
	case ERR_CLSD:
		return -ENOTCONN;
	case ERR_IF:
		return -ENETDOWN;
	case ERR_ABRT:
		return -ECONNABORTED;
	case ERR_RST:
		return -ECONNRESET;
	default:
		return -EIO;
	}
}

/* ---- requests ---- */

static long sync_call(void (*fn)(void *arg), struct req *r)
{
	sem_init(&r->done, 0);
	net_call(fn, r);
	sem_down(&r->done);
	return r->rc;
}

/* Back to C_FREE; a storage connection's flow is forgotten with it. */
static void conn_free(struct net_conn *c)
{
	if (c->flow.rport)
		flow_del(&nif_flows, &c->flow);
	memset(c, 0, sizeof(*c));
}

static void complete(struct req *r, long rc);

static void req_expired(void *arg)
{
	struct req *r = arg;
	struct net_conn *c = r->c;

	r->timer = false;
	if (c->recv_req == r)
		c->recv_req = NULL;
	if (c->accept_req == r)
		c->accept_req = NULL;
	if (c->connect_req == r) {
		/* The caller never gets this connection: drop it quietly. */
		c->connect_req = NULL;
		tcp_err(c->pcb, NULL);
		tcp_abort(c->pcb);
		conn_free(c);
	}
	complete(r, -ETIMEDOUT);
}

static void arm(struct req *r)
{
	uint64_t ms;

	if (!r->timeout_ns)
		return;
	ms = (r->timeout_ns + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	sys_timeout((u32_t)(ms > 0x7fffffff ? 0x7fffffff : ms), req_expired, r);
	r->timer = true;
}

static void complete(struct req *r, long rc)
{
	if (r->timer)
		sys_untimeout(req_expired, r);
	r->timer = false;
	r->rc = rc;
	sem_up(&r->done);
}

/* ---- connections ---- */


static struct net_conn *conn_alloc(enum conn_state state)
{
	for (unsigned i = 0; i < NET_CONNS_MAX; i++) {
		if (conns[i].state == C_FREE) {
			memset(&conns[i], 0, sizeof(conns[i]));
			conns[i].state = state;
			return &conns[i];
		}
	}
	return NULL;
}

static void name_addr(char *buf, const ip_addr_t *a, u16_t port)
{
	char s[IP4ADDR_STRLEN_MAX];

	ip4addr_ntoa_r(ip_2_ip4(a), s, sizeof(s));
	fmt_snprintf(buf, NAME_LEN, "%s:%u", s, port);
}

static void name_conn(struct net_conn *c)
{
	name_addr(c->local, &c->pcb->local_ip, c->pcb->local_port);
	name_addr(c->peer, &c->pcb->remote_ip, c->pcb->remote_port);
}

/* Call done for every slot from sq_head up to 'upto' (exclusive) with err. */
static void finish_slots(struct net_conn *c, unsigned upto, int err)
{
	while (c->sq_head != upto) {
		struct send_slot *s = &c->sq[c->sq_head % NET_SENDS_MAX];
		void (*done)(void *, int) = s->done;
		void *arg = s->arg;
		c->sq_head++;
		/* Free the slot before the callback, which may wake the sender. */
		__atomic_fetch_sub(&c->sq_pending, 1, __ATOMIC_SEQ_CST);
		if (done)
			done(arg, err);
	}
}

static bool finish_close(struct net_conn *c);
static void conn_error(void *arg, err_t e);

/* Returns false if a pending close had to abort the PCB. */
static bool charge_acked(struct net_conn *c)
{
	while (c->sq_head != c->sq_written && c->acked >= c->sq[c->sq_head % NET_SENDS_MAX].total) {
		c->acked -= c->sq[c->sq_head % NET_SENDS_MAX].total;
		finish_slots(c, c->sq_head + 1, 0);
	}
	if (c->close_req && c->sq_head == c->sq_posted)
		return finish_close(c);
	return true;
}

/* Feed posted slots to tcp_write() while lwIP has room.  Returns false if
 * it had to abort the PCB (a callback must then return ERR_ABRT). */
static bool output(struct net_conn *c)
{
	err_t e = ERR_OK;

	while (c->pcb && c->sq_written != c->sq_posted) {
		struct send_slot *s = &c->sq[c->sq_written % NET_SENDS_MAX];
		while (c->wr_iov < s->n) {
			const struct net_iov *v = &s->iov[c->wr_iov];
			size_t left = v->len - c->wr_off, n = tcp_sndbuf(c->pcb);
			if (!left) {
				c->wr_iov++;
				c->wr_off = 0;
				continue;
			}
			if (!n)
				goto out;
			n = n < left ? n : left;
			n = n < 0xffff ? n : 0xffff;
			bool more =
			    n < left || c->wr_iov + 1 < s->n || c->sq_written + 1 != c->sq_posted;
			e = tcp_write(c->pcb, (const uint8_t *)v->base + c->wr_off, (u16_t)n,
			              more ? TCP_WRITE_FLAG_MORE : 0);
			if (e == ERR_MEM)
				goto out; /* queue full: tcp_sent brings us back */
			if (e != ERR_OK) {
				tcp_err(c->pcb, NULL);
				tcp_abort(c->pcb);
				conn_error(c, e);
				return false;
			}
			c->wr_off += n;
		}
		c->sq_written++;
		c->wr_iov = 0;
		c->wr_off = 0;
	}
out:
	if (c->pcb)
		tcp_output(c->pcb);
	return charge_acked(c); /* zero-length sends finish here */
}

static void serve_recv(struct net_conn *c)
{
	struct req *r = c->recv_req;

	if (!r)
		return;
	if (c->rx_bytes) {
		size_t n = r->rx.len < c->rx_bytes ? r->rx.len : c->rx_bytes;
		ASSERT(n <= 0xffff && c->rxq);
		pbuf_copy_partial(c->rxq, r->rx.buf, (u16_t)n, 0);
		c->rxq = pbuf_free_header(c->rxq, (u16_t)n);
		c->rx_bytes -= n;
		/* Open the window only as the reader consumes: a slow reader
		 * throttles the sender instead of pinning NIC buffers. */
		if (c->pcb)
			tcp_recved(c->pcb, (u16_t)n);
		c->recv_req = NULL;
		complete(r, (long)n);
	} else if (c->eof || c->err) {
		c->recv_req = NULL;
		complete(r, c->eof ? 0 : c->err);
	}
}

static void serve_accept(struct net_conn *l)
{
	struct req *r = l->accept_req;

	if (!r || !l->aq_count)
		return;
	r->newc = l->acceptq[l->aq_head];
	l->aq_head = (l->aq_head + 1) % NET_ACCEPT_MAX;
	l->aq_count--;
	l->accept_req = NULL;
	complete(r, 0);
}

/* lwIP freed the PCB (reset, timeout, abort): fail everything pending. */
static void conn_error(void *arg, err_t e)
{
	struct net_conn *c = arg;
	struct req *r;

	if (!c)
		return;
	c->pcb = NULL;
	/* lwIP reports its own give-ups (SYN or data retransmissions, keepalive)
	 * as ERR_ABRT; our aborts detach this callback first. */
	if (e == ERR_ABRT)
		e = ERR_TIMEOUT;
	__atomic_store_n(&c->err, sock_errno(e), __ATOMIC_SEQ_CST);
	if ((r = c->connect_req)) {
		c->connect_req = NULL;
		conn_free(c); /* never handed out */
		complete(r, e == ERR_RST ? -ECONNREFUSED : sock_errno(e));
		return;
	}
	serve_recv(c);
	finish_slots(c, c->sq_posted, c->err);
	c->sq_written = c->sq_posted;
	if (c->close_req)
		finish_close(c);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t e)
{
	struct net_conn *c = arg;

	(void)pcb;
	if (e != ERR_OK || !c) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p) {
		c->eof = true;
	} else {
		c->rx_bytes += p->tot_len;
		if (c->rxq)
			pbuf_cat(c->rxq_tail, p);
		else
			c->rxq = p;
		for (c->rxq_tail = p; c->rxq_tail->next; c->rxq_tail = c->rxq_tail->next)
			;
	}
	/* A waiting reader is served once this poll round is over, so it gets
	 * the whole batch in one copy rather than the first segment. */
	c->rx_dirty = true;
	any_rx_dirty = true;
	return ERR_OK;
}

void net_sock_flush(void)
{
	if (!any_rx_dirty)
		return;
	any_rx_dirty = false;
	for (unsigned i = 0; i < NET_CONNS_MAX; i++) {
		if (conns[i].rx_dirty) {
			conns[i].rx_dirty = false;
			serve_recv(&conns[i]);
		}
	}
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct net_conn *c = arg;

	(void)pcb;
	c->acked += len;
	return output(c) ? ERR_OK : ERR_ABRT;
}

static void setup_pcb(struct net_conn *c, struct tcp_pcb *pcb)
{
	c->pcb = pcb;
	tcp_arg(pcb, c);
	tcp_err(pcb, conn_error);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	/* iSCSI PDUs and the apps write whole messages; Nagle only adds latency. */
	tcp_nagle_disable(pcb);
}

/* ---- connect ---- */

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t e)
{
	struct net_conn *c = arg;
	struct req *r = c->connect_req;

	(void)pcb;
	(void)e; /* always ERR_OK in lwIP 2.1; failures go to conn_error() */
	c->connect_req = NULL;
	c->state = C_OPEN;
	name_conn(c);
	r->newc = c;
	complete(r, 0);
	return ERR_OK;
}

/* Bind to a local port now, so that the flow is known to the classifier
 * before the SYN leaves. */
static err_t storage_flow(struct net_conn *c, struct tcp_pcb *pcb, uint32_t ip, uint16_t port)
{
	err_t e = tcp_bind(pcb, IP_ANY_TYPE, 0);
	if (e != ERR_OK)
		return e;
	struct flow_key k = {.raddr = ip, .rport = port, .lport = pcb->local_port};
	if (flow_add(&nif_flows, &k))
		return ERR_MEM;
	c->flow = k;
	return ERR_OK;
}

static void do_connect(void *arg)
{
	struct req *r = arg;
	struct net_conn *c = conn_alloc(C_CONNECTING);
	struct tcp_pcb *pcb;
	ip_addr_t to;
	err_t e;

	if (!c)
		goto err_conn;
	netmem_use(r->to.storage ? NET_CLASS_STORAGE : NET_CLASS_GENERAL);
	pcb = tcp_new();
	if (!pcb)
		goto err_pcb;
	setup_pcb(c, pcb);
	ip_addr_set_ip4_u32(&to, lwip_htonl(r->to.ip));
	e = r->to.storage ? storage_flow(c, pcb, r->to.ip, r->to.port) : ERR_OK;
	if (e == ERR_OK)
		e = tcp_connect(pcb, &to, r->to.port, on_connected);
	if (e != ERR_OK) {
		tcp_err(pcb, NULL);
		tcp_abort(pcb);
		conn_free(c);
		complete(r, sock_errno(e));
		return;
	}
	r->c = c;
	c->connect_req = r;
	arm(r);
	return;

err_pcb:
	conn_free(c);
err_conn:
	complete(r, -ENOMEM);
}

static int connect_class(const char *ip, uint16_t port, bool storage, struct net_conn **out,
                         uint64_t timeout_ns)
{
	struct req r = {.timeout_ns = timeout_ns, .to.storage = storage};
	uint64_t t0 = clock_ns(), spent;
	int rc;

	if (!ip || netcfg_parse_ipv4(ip, strlen(ip), &r.to.ip))
		return -EINVAL;
	r.to.port = port;
	rc = net_wait_up(timeout_ns, NULL, 0);
	if (rc)
		return rc;
	spent = clock_ns() - t0;
	if (timeout_ns)
		r.timeout_ns = spent < timeout_ns ? timeout_ns - spent : 1;
	rc = (int)sync_call(do_connect, &r);
	if (rc == 0)
		*out = r.newc;
	return rc;
}

int net_connect(const char *ip, uint16_t port, struct net_conn **out, uint64_t timeout_ns)
{
	return connect_class(ip, port, false, out, timeout_ns);
}

int net_connect_storage(const char *ip, uint16_t port, struct net_conn **out,
                        uint64_t timeout_ns)
{
	return connect_class(ip, port, true, out, timeout_ns);
}

/* ---- listen and accept ---- */

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t e)
{
	struct net_conn *l = arg, *c;

	if (e != ERR_OK || !pcb)
		return ERR_VAL;
	if (l->aq_count == NET_ACCEPT_MAX || !(c = conn_alloc(C_OPEN))) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	setup_pcb(c, pcb);
	name_conn(c);
	l->acceptq[(l->aq_head + l->aq_count) % NET_ACCEPT_MAX] = c;
	l->aq_count++;
	serve_accept(l);
	return ERR_OK;
}

static void do_listen(void *arg)
{
	struct req *r = arg;
	struct net_conn *l = conn_alloc(C_LISTEN);
	struct tcp_pcb *pcb, *lpcb;
	err_t e;

	if (!l)
		goto err_conn;
	pcb = tcp_new();
	if (!pcb)
		goto err_pcb;
	ip_set_option(pcb, SOF_REUSEADDR);
	e = tcp_bind(pcb, IP_ANY_TYPE, r->port);
	if (e != ERR_OK) {
		tcp_close(pcb);
		memset(l, 0, sizeof(*l));
		complete(r, sock_errno(e));
		return;
	}
	lpcb = tcp_listen_with_backlog(pcb, NET_ACCEPT_MAX);
	if (!lpcb) {
		tcp_close(pcb);
		goto err_pcb;
	}
	l->pcb = lpcb;
	tcp_arg(lpcb, l);
	tcp_accept(lpcb, on_accept);
	fmt_snprintf(l->local, NAME_LEN, "0.0.0.0:%u", r->port);
	r->newc = l;
	complete(r, 0);
	return;

err_pcb:
	memset(l, 0, sizeof(*l));
err_conn:
	complete(r, -ENOMEM);
}

int net_listen(uint16_t port, struct net_conn **out)
{
	struct req r = {.port = port};
	int rc = net_init();

	if (rc)
		return rc;
	rc = (int)sync_call(do_listen, &r);
	if (rc == 0)
		*out = r.newc;
	return rc;
}

static void do_accept(void *arg)
{
	struct req *r = arg;
	struct net_conn *l = r->c;

	if (l->state != C_LISTEN || l->accept_req) {
		complete(r, -EINVAL);
		return;
	}
	l->accept_req = r;
	serve_accept(l);
	if (l->accept_req)
		arm(r);
}

int net_accept(struct net_conn *listener, struct net_conn **out, uint64_t timeout_ns)
{
	struct req r = {.c = listener, .timeout_ns = timeout_ns};
	int rc = (int)sync_call(do_accept, &r);

	if (rc == 0)
		*out = r.newc;
	return rc;
}

/* ---- receive ---- */

static void do_recv(void *arg)
{
	struct req *r = arg;
	struct net_conn *c = r->c;

	if (c->state != C_OPEN || c->recv_req) {
		complete(r, -EINVAL);
		return;
	}
	c->recv_req = r;
	serve_recv(c);
	if (c->recv_req)
		arm(r);
}

long net_recv(struct net_conn *c, void *buf, size_t len, uint64_t timeout_ns)
{
	struct req r = {.c = c, .timeout_ns = timeout_ns};

	if (!len)
		return 0;
	/* pbuf lengths are 16 bits; a larger read just returns less. */
	r.rx.buf = buf;
	r.rx.len = len < 0xffff ? len : 0xffff;
	return sync_call(do_recv, &r);
}

/* ---- send ---- */

static void do_send(void *arg)
{
	struct net_conn *c = arg;

	c->sq_posted++;
	if (!c->pcb) {
		/* Failed or closed meanwhile: the slot ends at once. */
		c->sq_written = c->sq_posted;
		finish_slots(c, c->sq_posted, c->err ? c->err : -ENOTCONN);
		return;
	}
	output(c);
}

int net_send(struct net_conn *c, const struct net_iov *iov, unsigned n,
             void (*done)(void *arg, int err), void *arg)
{
	struct send_slot *s;
	int err;

	if (n > NET_IOV_MAX || c->state != C_OPEN)
		return -EINVAL;
	err = __atomic_load_n(&c->err, __ATOMIC_SEQ_CST);
	if (err)
		return err;
	if (__atomic_load_n(&c->sq_pending, __ATOMIC_SEQ_CST) >= NET_SENDS_MAX)
		return -EAGAIN;
	s = &c->sq[c->sq_tail % NET_SENDS_MAX];
	s->n = n;
	s->total = 0;
	for (unsigned i = 0; i < n; i++) {
		s->iov[i] = iov[i];
		s->total += iov[i].len;
	}
	s->done = done;
	s->arg = arg;
	c->sq_tail++;
	__atomic_fetch_add(&c->sq_pending, 1, __ATOMIC_SEQ_CST);
	net_call(do_send, c);
	return 0;
}

struct send_wait {
	struct sem sem;
	int err;
};

static void send_wait_done(void *arg, int err)
{
	struct send_wait *w = arg;

	w->err = err;
	sem_up(&w->sem);
}

int net_send_all(struct net_conn *c, const void *buf, size_t len)
{
	struct net_iov v = {buf, len};
	struct send_wait w;
	int rc;

	sem_init(&w.sem, 0);
	while ((rc = net_send(c, &v, 1, send_wait_done, &w)) == -EAGAIN)
		thread_sleep_ns(NSEC_PER_MSEC); /* another thread's sends fill the ring */
	if (rc)
		return rc;
	sem_down(&w.sem);
	return w.err;
}

/* ---- close ---- */

static void close_linger(void *arg)
{
	struct net_conn *c = arg;

	/* The peer did not take our data in time: reset, so lwIP lets go of
	 * the caller's buffers now. */
	if (c->pcb) {
		tcp_err(c->pcb, NULL);
		tcp_abort(c->pcb);
		c->pcb = NULL;
	}
	finish_slots(c, c->sq_posted, -ECONNABORTED);
	c->sq_written = c->sq_posted;
	finish_close(c);
}

/* Returns false if it had to abort the PCB (no memory for the FIN): a
 * caller inside an lwIP callback must then return ERR_ABRT. */
static bool finish_close(struct net_conn *c)
{
	struct req *r = c->close_req;
	int rc = c->err;
	bool closed = true;

	sys_untimeout(close_linger, c);
	if (c->pcb) {
		tcp_arg(c->pcb, NULL);
		tcp_err(c->pcb, NULL);
		tcp_recv(c->pcb, NULL);
		tcp_sent(c->pcb, NULL);
		if (tcp_close(c->pcb) != ERR_OK) {
			tcp_abort(c->pcb);
			closed = false;
		}
	}
	if (c->rxq)
		pbuf_free(c->rxq);
	conn_free(c);
	complete(r, rc);
	return closed;
}

static void do_close(void *arg)
{
	struct req *r = arg;
	struct net_conn *c = r->c;

	if (c->state == C_LISTEN) {
		while (c->aq_count) {
			struct net_conn *a = c->acceptq[c->aq_head];
			c->aq_head = (c->aq_head + 1) % NET_ACCEPT_MAX;
			c->aq_count--;
			if (a->pcb) {
				tcp_arg(a->pcb, NULL);
				tcp_err(a->pcb, NULL);
				tcp_abort(a->pcb);
			}
			if (a->rxq)
				pbuf_free(a->rxq);
			memset(a, 0, sizeof(*a));
		}
		if (c->accept_req)
			complete(c->accept_req, -ECONNABORTED);
		tcp_close(c->pcb); /* a listening PCB always closes */
		conn_free(c);
		complete(r, 0);
		return;
	}
	if (c->recv_req) {
		struct req *rr = c->recv_req;
		c->recv_req = NULL;
		complete(rr, -ECONNABORTED);
	}
	c->close_req = r;
	if (c->pcb && c->sq_head != c->sq_posted) {
		sys_timeout(CLOSE_LINGER_MS, close_linger, c);
		return; /* charge_acked() or conn_error() finishes */
	}
	finish_close(c);
}

int net_close(struct net_conn *c)
{
	struct req r = {.c = c};

	if (!c)
		return -EINVAL;
	return (int)sync_call(do_close, &r);
}

void net_conn_name(const struct net_conn *c, char *local, char *peer, size_t len)
{
	if (local && len)
		fmt_snprintf(local, len, "%s", c->local);
	if (peer && len)
		fmt_snprintf(peer, len, "%s", c->peer);
}
