/* Unit tests for blk/iscsi/params: offers, answers, target offers, RFC 7143 result functions. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blk/iscsi/params.h"

/* Apply "key=value" (a C string) from the target; reply text lands in *reply. */
static int apply(struct iscsi_neg *n, const char *rec, struct iscsi_text_buf *reply)
{
	struct iscsi_text_iter it;
	struct iscsi_kv kv;
	char tmp[512];
	size_t len = strlen(rec) + 1;

	memcpy(tmp, rec, len);
	iscsi_text_iter_init(&it, tmp, len);
	assert_int_equal(iscsi_text_next(&it, &kv), 1);
	return iscsi_neg_apply(n, &kv, reply);
}

static void reply_is(struct iscsi_text_buf *r, const char *want)
{
	/* want uses '|' for NUL to keep test strings readable */
	char w[512];
	size_t n = strlen(want);

	for (size_t i = 0; i < n; i++)
		w[i] = want[i] == '|' ? '\0' : want[i];
	assert_int_equal(r->len, n);
	assert_memory_equal(r->buf, w, n);
}

static void test_defaults(void **state)
{
	struct iscsi_params p;
	(void)state;

	iscsi_params_default(&p);
	assert_int_equal(p.max_recv_dsl, 8192);
	assert_int_equal(p.max_send_dsl, 8192);
	assert_int_equal(p.max_burst, 262144);
	assert_int_equal(p.first_burst, 65536);
	assert_true(p.initial_r2t);
	assert_true(p.immediate_data);
	assert_int_equal(p.time2wait, 2);
	assert_int_equal(p.time2retain, 20);
	assert_int_equal(iscsi_params_check(&p), 0);
	iscsi_params_preferred(&p);
	assert_int_equal(iscsi_params_check(&p), 0);
	assert_false(p.initial_r2t);

	p.max_recv_dsl = 511;
	assert_int_equal(iscsi_params_check(&p), -EINVAL);
	iscsi_params_preferred(&p);
	p.max_burst = 16777216;
	assert_int_equal(iscsi_params_check(&p), -EINVAL);
	iscsi_params_preferred(&p);
	p.error_recovery_level = 3;
	assert_int_equal(iscsi_params_check(&p), -EINVAL);
	iscsi_params_preferred(&p);
	p.header_digest = 9;
	assert_int_equal(iscsi_params_check(&p), -EINVAL);
}

static void test_offer_text(void **state)
{
	struct iscsi_params p;
	struct iscsi_neg n;
	char buf[1024];
	struct iscsi_text_buf b;
	(void)state;

	iscsi_params_preferred(&p);
	iscsi_neg_init(&n, &p, false);
	iscsi_text_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(iscsi_neg_offer(&n, &b), 0);
	reply_is(&b, "HeaderDigest=CRC32C,None|DataDigest=None,CRC32C|MaxConnections=1|"
	             "InitialR2T=No|ImmediateData=Yes|MaxRecvDataSegmentLength=262144|"
	             "MaxBurstLength=1048576|FirstBurstLength=262144|DefaultTime2Wait=2|"
	             "DefaultTime2Retain=20|MaxOutstandingR2T=1|DataPDUInOrder=Yes|"
	             "DataSequenceInOrder=Yes|ErrorRecoveryLevel=0|");
	assert_false(iscsi_neg_settled(&n));
	/* a second call offers nothing new */
	b.len = 0;
	assert_int_equal(iscsi_neg_offer(&n, &b), 0);
	assert_int_equal(b.len, 0);

	/* discovery: digests and our receive limit only */
	p.header_digest = ISCSI_DIGEST_NONE;
	p.data_digest = ISCSI_DIGEST_CRC32C;
	iscsi_neg_init(&n, &p, true);
	iscsi_text_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(iscsi_neg_offer(&n, &b), 0);
	reply_is(&b, "HeaderDigest=None|DataDigest=CRC32C|MaxRecvDataSegmentLength=262144|");

	/* all-or-nothing on a short buffer */
	iscsi_neg_init(&n, &p, false);
	iscsi_text_buf_init(&b, buf, 100);
	assert_int_equal(iscsi_neg_offer(&n, &b), -ENOSPC);
	assert_int_equal(b.len, 0);
	assert_int_equal(n.offered, 0);
	assert_false(n.declared);
	iscsi_text_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(iscsi_neg_offer(&n, &b), 0);

	p.max_connections = 0;
	iscsi_neg_init(&n, &p, false);
	assert_int_equal(iscsi_neg_offer(&n, &b), -EINVAL);
}

static void offered(struct iscsi_neg *n, struct iscsi_params *p, bool discovery)
{
	char buf[1024];
	struct iscsi_text_buf b;

	iscsi_neg_init(n, p, discovery);
	iscsi_text_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(iscsi_neg_offer(n, &b), 0);
}

static void test_answers(void **state)
{
	struct iscsi_params p;
	struct iscsi_neg n;
	char rbuf[256];
	struct iscsi_text_buf r;
	(void)state;

	iscsi_params_preferred(&p);
	offered(&n, &p, false);
	iscsi_text_buf_init(&r, rbuf, sizeof(rbuf));
	assert_int_equal(apply(&n, "HeaderDigest=None", &r), 0);
	assert_int_equal(apply(&n, "DataDigest=CRC32C", &r), 0);
	assert_int_equal(apply(&n, "MaxConnections=1", &r), 0);
	assert_int_equal(apply(&n, "InitialR2T=Yes", &r), 0);
	assert_int_equal(apply(&n, "ImmediateData=No", &r), 0);
	assert_int_equal(apply(&n, "MaxRecvDataSegmentLength=65536", &r), 0);
	assert_int_equal(apply(&n, "MaxBurstLength=262144", &r), 0);
	assert_int_equal(apply(&n, "FirstBurstLength=65536", &r), 0);
	assert_int_equal(apply(&n, "DefaultTime2Wait=5", &r), 0);
	assert_int_equal(apply(&n, "DefaultTime2Retain=0", &r), 0);
	assert_int_equal(apply(&n, "MaxOutstandingR2T=1", &r), 0);
	assert_int_equal(apply(&n, "DataPDUInOrder=Yes", &r), 0);
	assert_int_equal(apply(&n, "DataSequenceInOrder=Yes", &r), 0);
	assert_int_equal(apply(&n, "ErrorRecoveryLevel=0", &r), 0);
	assert_int_equal(apply(&n, "TargetPortalGroupTag=1", &r), 0);
	assert_int_equal(apply(&n, "TargetAlias=disk one", &r), 0);
	assert_int_equal(r.len, 0); /* answers need no reply */
	assert_true(iscsi_neg_settled(&n));
	assert_int_equal(iscsi_neg_finish(&n), 0);

	const struct iscsi_params *res = &n.result;
	assert_int_equal(res->header_digest, ISCSI_DIGEST_NONE);
	assert_int_equal(res->data_digest, ISCSI_DIGEST_CRC32C);
	assert_true(res->initial_r2t);
	assert_false(res->immediate_data);
	assert_int_equal(res->max_recv_dsl, 262144);
	assert_int_equal(res->max_send_dsl, 65536);
	assert_int_equal(res->max_burst, 262144);
	assert_int_equal(res->first_burst, 65536);
	assert_int_equal(res->time2wait, 5);
	assert_int_equal(res->time2retain, 0);
	assert_true(res->has_tpgt);
	assert_int_equal(res->tpgt, 1);
	assert_string_equal(res->target_alias, "disk one");
}

static void expect_violation(const char *rec, int err, const char *why)
{
	struct iscsi_params p;
	struct iscsi_neg n;
	char rbuf[256];
	struct iscsi_text_buf r;

	iscsi_params_preferred(&p);
	p.immediate_data = false; /* AND offered No */
	p.initial_r2t = true;     /* OR offered Yes */
	p.header_digest = ISCSI_DIGEST_CRC32C;
	offered(&n, &p, false);
	iscsi_text_buf_init(&r, rbuf, sizeof(rbuf));
	assert_int_equal(apply(&n, rec, &r), err);
	assert_string_equal(n.why, why);
}

static void test_answer_violations(void **state)
{
	(void)state;
	expect_violation("ImmediateData=Yes", -EPROTO, "answer violates the key's result function");
	expect_violation("InitialR2T=No", -EPROTO, "answer violates the key's result function");
	expect_violation("MaxBurstLength=2097152", -EPROTO,
	                 "answer violates the key's result function");
	expect_violation("DefaultTime2Wait=1", -EPROTO,
	                 "answer violates the key's result function");
	expect_violation("MaxBurstLength=100", -EPROTO, "value out of range");
	expect_violation("MaxBurstLength=16777216", -EPROTO, "value out of range");
	expect_violation("ErrorRecoveryLevel=3", -EPROTO, "value out of range");
	expect_violation("MaxBurstLength=lots", -EPROTO, "value out of range");
	expect_violation("InitialR2T=yes", -EPROTO, "not Yes or No");
	expect_violation("HeaderDigest=None", -EPROTO,
	                 "answer is not one of the values we offered");
	expect_violation("DataDigest=MD5", -EPROTO, "answer is not one of the values we offered");
	expect_violation("HeaderDigest=Reject", -EOPNOTSUPP,
	                 "target refused the CRC32C digest we require");
	expect_violation("MaxRecvDataSegmentLength=511", -EPROTO, "value out of range");
	expect_violation("TargetPortalGroupTag=65536", -EPROTO, "value out of range");
	expect_violation("InitiatorName=iqn.evil", -EPROTO,
	                 "key not allowed from a target in this stage");
	expect_violation("CHAP_A=5", -EPROTO, "key not allowed from a target in this stage");
	expect_violation("SessionType=Normal", -EPROTO,
	                 "key not allowed from a target in this stage");
}

static void test_twice_and_special_answers(void **state)
{
	struct iscsi_params p;
	struct iscsi_neg n;
	char rbuf[256];
	struct iscsi_text_buf r;
	(void)state;

	iscsi_params_preferred(&p);
	offered(&n, &p, false);
	iscsi_text_buf_init(&r, rbuf, sizeof(rbuf));
	assert_int_equal(apply(&n, "MaxBurstLength=65536", &r), 0);
	assert_int_equal(apply(&n, "MaxBurstLength=65536", &r), -EPROTO);
	assert_string_equal(n.why, "key negotiated twice");
	assert_string_equal(n.bad_key, "MaxBurstLength");
	/* declarations may repeat: last wins */
	assert_int_equal(apply(&n, "MaxRecvDataSegmentLength=4096", &r), 0);
	assert_int_equal(apply(&n, "MaxRecvDataSegmentLength=16384", &r), 0);
	assert_int_equal(n.result.max_send_dsl, 16384);

	/* Reject / Irrelevant / NotUnderstood leave the default */
	assert_int_equal(apply(&n, "InitialR2T=Reject", &r), 0);
	assert_true(n.result.initial_r2t);
	assert_int_equal(apply(&n, "ImmediateData=Irrelevant", &r), 0);
	assert_true(n.result.immediate_data);
	assert_int_equal(apply(&n, "FirstBurstLength=NotUnderstood", &r), 0);
	assert_int_equal(n.result.first_burst, 65536);
	assert_int_equal(apply(&n, "HeaderDigest=Reject", &r), 0); /* CRC32C was optional */
	assert_int_equal(n.result.header_digest, ISCSI_DIGEST_NONE);
	assert_int_equal(r.len, 0);
}

static void test_target_offers(void **state)
{
	struct iscsi_params p;
	struct iscsi_neg n;
	char rbuf[512];
	struct iscsi_text_buf r;
	(void)state;

	/* the target speaks first: nothing offered by us yet */
	iscsi_params_preferred(&p);
	iscsi_neg_init(&n, &p, false);
	iscsi_text_buf_init(&r, rbuf, sizeof(rbuf));
	assert_int_equal(apply(&n, "MaxBurstLength=2097152", &r), 0);
	assert_int_equal(apply(&n, "DefaultTime2Wait=0", &r), 0);
	assert_int_equal(apply(&n, "InitialR2T=Yes", &r), 0);
	assert_int_equal(apply(&n, "ImmediateData=Yes", &r), 0);
	assert_int_equal(apply(&n, "DataDigest=CRC32C,None", &r), 0);
	assert_int_equal(apply(&n, "HeaderDigest=MD5,CRC32C", &r), 0);
	assert_int_equal(apply(&n, "IFMarker=Yes", &r), 0);
	assert_int_equal(apply(&n, "OFMarkInt=2048~4096", &r), 0);
	assert_int_equal(apply(&n, "TaskReporting=FastAbort,RFC3720", &r), 0);
	assert_int_equal(apply(&n, "X-com.example.Foo=1", &r), 0);
	assert_int_equal(apply(&n, "iSCSIProtocolLevel=2", &r), 0);
	assert_int_equal(apply(&n, "Unknown=NotUnderstood", &r), 0);     /* needs no answer */
	assert_int_equal(apply(&n, "MaxConnections=Irrelevant", &r), 0); /* never offered */
	assert_int_equal(apply(&n, "TargetAlias=a\001b", &r), 0);
	char alias[300] = "TargetAlias=";
	memset(alias + 12, 'a', 256);
	assert_int_equal(apply(&n, alias, &r), -EPROTO);
	assert_string_equal(n.why, "value too long");
	assert_string_equal(n.result.target_alias, "a?b");
	assert_int_equal(apply(&n, "TargetName=iqn.x", &r), 0); /* ignored here */
	assert_int_equal(apply(&n, "TargetAddress=10.0.0.1", &r), 0);
	reply_is(&r, "MaxBurstLength=1048576|DefaultTime2Wait=2|InitialR2T=Yes|ImmediateData=Yes|"
	             "DataDigest=CRC32C|HeaderDigest=CRC32C|IFMarker=No|OFMarkInt=Irrelevant|"
	             "TaskReporting=RFC3720|X-com.example.Foo=NotUnderstood|"
	             "iSCSIProtocolLevel=NotUnderstood|");
	assert_int_equal(n.result.max_burst, 1048576);
	assert_int_equal(n.result.time2wait, 2);
	assert_true(n.result.initial_r2t);
	assert_int_equal(n.result.data_digest, ISCSI_DIGEST_CRC32C);
	assert_int_equal(n.result.header_digest, ISCSI_DIGEST_CRC32C);

	/* keys the target offered are not offered again by us */
	char buf[1024];
	struct iscsi_text_buf b;
	iscsi_text_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(iscsi_neg_offer(&n, &b), 0);
	assert_null(memmem(buf, b.len, "MaxBurstLength", 14));
	assert_non_null(memmem(buf, b.len, "FirstBurstLength", 16));

	/* a target offer of a digest we cannot accept */
	p.data_digest = ISCSI_DIGEST_NONE;
	p.header_digest = ISCSI_DIGEST_CRC32C;
	iscsi_neg_init(&n, &p, false);
	iscsi_text_buf_init(&r, rbuf, sizeof(rbuf));
	assert_int_equal(apply(&n, "DataDigest=CRC32C", &r), 0);
	reply_is(&r, "DataDigest=Reject|");
	assert_int_equal(apply(&n, "HeaderDigest=None", &r), -EOPNOTSUPP);
	iscsi_neg_init(&n, &p, false);
	iscsi_text_buf_init(&r, rbuf, sizeof(rbuf));
	assert_int_equal(apply(&n, "TaskReporting=FastAbort", &r), 0);
	reply_is(&r, "TaskReporting=Reject|");

	/* discovery: session keys are irrelevant */
	iscsi_neg_init(&n, &p, true);
	iscsi_text_buf_init(&r, rbuf, sizeof(rbuf));
	assert_int_equal(apply(&n, "MaxBurstLength=512", &r), 0);
	assert_int_equal(apply(&n, "InitialR2T=No", &r), 0);
	assert_int_equal(apply(&n, "InitialR2T=No", &r), 0); /* untracked: answered again */
	assert_int_equal(apply(&n, "ImmediateData=Irrelevant", &r), 0); /* a reply: no answer */
	reply_is(&r, "MaxBurstLength=Irrelevant|InitialR2T=Irrelevant|InitialR2T=Irrelevant|");
	assert_int_equal(n.result.max_burst, 262144);
	iscsi_text_buf_init(&r, rbuf, 4);
	assert_int_equal(apply(&n, "MaxBurstLength=512", &r), -ENOSPC);

	/* out of range target offer, and a full reply buffer */
	iscsi_neg_init(&n, &p, false);
	iscsi_text_buf_init(&r, rbuf, sizeof(rbuf));
	assert_int_equal(apply(&n, "MaxOutstandingR2T=0", &r), -EPROTO);
	iscsi_text_buf_init(&r, rbuf, 4);
	assert_int_equal(apply(&n, "MaxOutstandingR2T=4", &r), -ENOSPC);
	assert_string_equal(n.why, "reply buffer full");
	assert_int_equal(apply(&n, "Foo=bar", &r), -ENOSPC);
}

static void test_finish_unanswered(void **state)
{
	struct iscsi_params p;
	struct iscsi_neg n;
	(void)state;

	iscsi_params_preferred(&p);
	p.immediate_data = true; /* AND Yes: default Yes */
	p.initial_r2t = false;   /* OR No: default Yes */
	p.data_pdu_in_order = true;
	p.max_burst = 1048576;  /* min(offer, 262144) */
	p.first_burst = 524288; /* min(offer, 65536) */
	p.time2wait = 0;        /* max(0, 2) */
	p.time2retain = 60;     /* min(60, 20) */
	offered(&n, &p, false);
	assert_int_equal(iscsi_neg_finish(&n), 0);
	assert_true(n.result.immediate_data);
	assert_true(n.result.initial_r2t);
	assert_true(n.result.data_pdu_in_order);
	assert_int_equal(n.result.max_burst, 262144);
	assert_int_equal(n.result.first_burst, 65536);
	assert_int_equal(n.result.time2wait, 2);
	assert_int_equal(n.result.time2retain, 20);
	assert_int_equal(n.result.header_digest, ISCSI_DIGEST_NONE);
	assert_true(iscsi_neg_settled(&n));

	p.immediate_data = false;
	offered(&n, &p, false);
	assert_int_equal(iscsi_neg_finish(&n), 0);
	assert_false(n.result.immediate_data);

	p.header_digest = ISCSI_DIGEST_CRC32C;
	offered(&n, &p, false);
	assert_int_equal(iscsi_neg_finish(&n), -EOPNOTSUPP);
	assert_string_equal(n.bad_key, "HeaderDigest");

	/* FirstBurstLength is clamped to MaxBurstLength */
	char rbuf[64];
	struct iscsi_text_buf r;
	iscsi_params_preferred(&p);
	offered(&n, &p, false);
	iscsi_text_buf_init(&r, rbuf, sizeof(rbuf));
	assert_int_equal(apply(&n, "MaxBurstLength=8192", &r), 0);
	assert_int_equal(apply(&n, "FirstBurstLength=65536", &r), 0);
	assert_int_equal(iscsi_neg_finish(&n), 0);
	assert_int_equal(n.result.first_burst, 8192);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_offer_text),
	    cmocka_unit_test(test_answers),
	    cmocka_unit_test(test_answer_violations),
	    cmocka_unit_test(test_twice_and_special_answers),
	    cmocka_unit_test(test_target_offers),
	    cmocka_unit_test(test_finish_unanswered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
