/*
 * Unit tests for blk/iscsi/login: complete logins against a scripted target (no auth, one-way
 * and mutual CHAP, continuation, target offers, discovery), every login status class, and the
 * protocol violations the state machine must refuse.  Target responses are written by hand
 * from RFC 7143 §11.13 and the Appendix B examples, shaped like tgt and LIO answers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "blk/iscsi/chap.h"
#include "blk/iscsi/login.h"

#define ITT   0x1000
#define IQN_I "iqn.2026-01.org.tether:host1"
#define IQN_T "iqn.2001-04.com.example:storage.disk1"

static const uint8_t isid[6] = {0x80, 0x12, 0x34, 0x56, 0x00, 0x01};
static const uint8_t secret[] = "initiator-secret"; /* 16 bytes */
static const uint8_t tsecret[] = "target-secret-42";

static struct iscsi_login_config cfg;
static struct iscsi_login login;
static uint8_t rxbuf[16384];
static uint32_t statsn;
static int random_calls, random_fail;

static int fake_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	random_calls++;
	if (random_fail)
		return -EIO;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(0xa0 + i);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.initiator_name = IQN_I;
	cfg.target_name = IQN_T;
	memcpy(cfg.isid, isid, 6);
	cfg.cid = 1;
	cfg.itt = ITT;
	cfg.cmdsn = 1;
	iscsi_params_preferred(&cfg.params);
	cfg.random = fake_random;
	statsn = 0x100;
	random_calls = random_fail = 0;
	return 0;
}

/* Text with '|' standing for NUL, converted into dst; returns the length. */
static size_t text(uint8_t *dst, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		dst[i] = s[i] == '|' ? 0 : (uint8_t)s[i];
	return n;
}

/* Build the next request; return its text with NULs shown as '|' and its flags. */
static const char *req(uint8_t *flags)
{
	static char shown[8192];
	uint8_t bhs[48], data[8192];
	uint32_t len;
	struct iscsi_pdu p;

	assert_int_equal(iscsi_login_build(&login, bhs, data, sizeof(data), &len), 0);
	assert_int_equal(iscsi_pdu_decode(bhs, ISCSI_FROM_INITIATOR, 8192, &p, NULL), 0);
	assert_int_equal(p.opcode, ISCSI_OP_LOGIN_REQ);
	assert_true(p.immediate);
	assert_int_equal(p.itt, ITT);
	assert_memory_equal(p.isid, isid, 6);
	assert_int_equal(p.cid, 1);
	assert_int_equal(p.cmdsn, 1);
	assert_int_equal(p.version_max, 0);
	assert_int_equal(p.version_min, 0);
	assert_int_equal(p.data_len, len);
	if (flags)
		*flags = p.flags;
	for (uint32_t i = 0; i < len; i++)
		shown[i] = data[i] ? (char)data[i] : '|';
	shown[len] = 0;
	return shown;
}

/* Feed a Login Response; flags as on the wire, text with '|' for NUL. */
static int rsp_full(uint8_t flags, uint8_t cls, uint8_t det, uint16_t tsih, const char *t,
                    uint32_t itt, uint8_t version)
{
	struct iscsi_pdu p;
	uint8_t bhs[48], data[9000];
	size_t n = text(data, t);

	memset(&p, 0, sizeof(p));
	p.opcode = ISCSI_OP_LOGIN_RSP;
	p.flags = flags;
	p.data_len = (uint32_t)n;
	p.itt = itt;
	memcpy(p.isid, isid, 6);
	p.tsih = tsih;
	p.statsn = statsn++;
	p.expcmdsn = 1;
	p.maxcmdsn = 32;
	p.status_class = cls;
	p.status_detail = det;
	p.version_min = version;
	assert_int_equal(iscsi_pdu_encode(&p, bhs), 0);
	return iscsi_login_rx(&login, bhs, data, (uint32_t)n);
}

static int rsp(uint8_t flags, const char *t)
{
	return rsp_full(flags, 0, 0, 0, t, ITT, 0);
}

#define SEC_TO_OPER ISCSI_LOGIN_FLAGS(1, 0, 0, 1)
#define SEC_STAY    ISCSI_LOGIN_FLAGS(0, 0, 0, 0)
#define OPER_TO_FFP ISCSI_LOGIN_FLAGS(1, 0, 1, 3)
#define OPER_STAY   ISCSI_LOGIN_FLAGS(0, 0, 1, 0)

static const char *oper_answers =
    "HeaderDigest=None|DataDigest=None|MaxConnections=1|"
    "InitialR2T=No|ImmediateData=Yes|MaxRecvDataSegmentLength=65536|"
    "MaxBurstLength=262144|FirstBurstLength=65536|"
    "DefaultTime2Wait=2|DefaultTime2Retain=0|MaxOutstandingR2T=1|"
    "DataPDUInOrder=Yes|DataSequenceInOrder=Yes|ErrorRecoveryLevel=0|";

static int final_rsp(const char *t)
{
	return rsp_full(OPER_TO_FFP, 0, 0, 0x0042, t, ITT, 0);
}

/* Operational stage up to Full Feature Phase, after the security stage is done. */
static void finish_operational(void)
{
	uint8_t f;
	const char *r = req(&f);

	assert_int_equal(f, OPER_TO_FFP);
	assert_non_null(strstr(r, "MaxRecvDataSegmentLength=262144|"));
	assert_non_null(strstr(r, "InitialR2T=No|"));
	assert_int_equal(final_rsp(oper_answers), ISCSI_LOGIN_DONE);
	const struct iscsi_login_result *res = iscsi_login_result(&login);
	assert_int_equal(res->tsih, 0x42);
	assert_int_equal(res->params.max_send_dsl, 65536);
	assert_int_equal(res->params.max_recv_dsl, 262144);
	assert_int_equal(res->params.max_burst, 262144);
	assert_false(res->params.initial_r2t);
	assert_int_equal(res->params.header_digest, ISCSI_DIGEST_NONE);
	assert_int_equal(res->expstatsn, statsn);
	assert_int_equal(res->maxcmdsn, 32);
	assert_string_equal(iscsi_login_msg(&login), "");
}

static void init_ok(void)
{
	assert_int_equal(iscsi_login_init(&login, &cfg, rxbuf, sizeof(rxbuf)), 0);
}

static void test_no_auth(void **state)
{
	uint8_t f;
	(void)state;

	init_ok();
	const char *r = req(&f);
	assert_int_equal(f, SEC_TO_OPER);
	assert_string_equal(r, "InitiatorName=" IQN_I "|SessionType=Normal|TargetName=" IQN_T
	                       "|AuthMethod=None|");
	assert_int_equal(rsp(SEC_TO_OPER, "AuthMethod=None|TargetPortalGroupTag=1|"),
	                 ISCSI_LOGIN_SEND);
	finish_operational();
	assert_true(iscsi_login_result(&login)->params.has_tpgt);
	assert_int_equal(iscsi_login_result(&login)->params.tpgt, 1);
}

static void test_alias_and_skipped_authmethod(void **state)
{
	uint8_t f;
	(void)state;

	cfg.initiator_alias = "tether";
	init_ok();
	const char *r = req(&f);
	assert_non_null(strstr(r, "|InitiatorAlias=tether|"));
	/* transiting without answering AuthMethod is accepted when None was on offer */
	assert_int_equal(rsp(SEC_TO_OPER, ""), ISCSI_LOGIN_SEND);
	finish_operational();
}

/* tgt with an account bound: CHAP with MD5. */
static void test_one_way_chap_md5(void **state)
{
	uint8_t f, resp[32];
	char want[128];
	(void)state;

	cfg.chap_name = "alice";
	cfg.chap_secret = secret;
	cfg.chap_secret_len = 16;
	init_ok();
	const char *r = req(&f);
	assert_int_equal(f, SEC_TO_OPER);
	assert_non_null(strstr(r, "AuthMethod=CHAP,None|"));
	assert_int_equal(rsp(SEC_STAY, "TargetPortalGroupTag=1|AuthMethod=CHAP|"),
	                 ISCSI_LOGIN_SEND);
	r = req(&f);
	assert_int_equal(f, SEC_STAY);
	assert_string_equal(r, "CHAP_A=5,7|");
	assert_int_equal(
	    rsp(SEC_STAY, "CHAP_A=5|CHAP_I=201|CHAP_C=0x6c5e2b1a9f0e7d3c2b1a09f8e7d6c5b4|"),
	    ISCSI_LOGIN_SEND);
	r = req(&f);
	assert_int_equal(f, SEC_TO_OPER);

	static const uint8_t ch[16] = {0x6c, 0x5e, 0x2b, 0x1a, 0x9f, 0x0e, 0x7d, 0x3c,
	                               0x2b, 0x1a, 0x09, 0xf8, 0xe7, 0xd6, 0xc5, 0xb4};
	iscsi_chap_compute(5, 201, secret, 16, ch, 16, resp);
	int n = sprintf(want, "CHAP_N=alice|CHAP_R=0x");
	for (int i = 0; i < 16; i++)
		n += sprintf(want + n, "%02x", resp[i]);
	strcat(want, "|");
	assert_string_equal(r, want);
	assert_int_equal(random_calls, 0);

	assert_int_equal(rsp(SEC_TO_OPER, ""), ISCSI_LOGIN_SEND);
	finish_operational();
}

/* Mutual CHAP with SHA-256, as LIO does it. */
static void mutual_setup(void)
{
	cfg.chap_name = "alice";
	cfg.chap_secret = secret;
	cfg.chap_secret_len = 16;
	cfg.mutual_name = "storage1";
	cfg.mutual_secret = tsecret;
	cfg.mutual_secret_len = 16;
	random_calls = 0;
	init_ok();
}

static const char *mutual_to_response(void)
{
	uint8_t f;
	const char *r = req(&f);

	assert_non_null(strstr(r, "|AuthMethod=CHAP|"));
	assert_int_equal(rsp(SEC_STAY, "AuthMethod=CHAP|"), ISCSI_LOGIN_SEND);
	assert_string_equal(req(&f), "CHAP_A=5,7|");
	assert_int_equal(rsp(SEC_STAY, "CHAP_A=7|CHAP_I=3|CHAP_C=0bAQIDBAUGBwgJCgsMDQ4PEA==|"),
	                 ISCSI_LOGIN_SEND);
	r = req(&f);
	assert_int_equal(f, SEC_TO_OPER);
	assert_int_equal(random_calls, 1);
	return r;
}

/* The target's correct answer to our challenge (random bytes a0, a1, ...). */
static void target_answer(char *out, const uint8_t *sec, size_t slen)
{
	uint8_t ch[32], resp[32];

	for (int i = 0; i < 32; i++)
		ch[i] = (uint8_t)(0xa1 + i);
	iscsi_chap_compute(7, 0xa0, sec, slen, ch, 32, resp);
	int n = sprintf(out, "CHAP_N=storage1|CHAP_R=0x");
	for (int i = 0; i < 32; i++)
		n += sprintf(out + n, "%02x", resp[i]);
	strcat(out, "|");
}

static void test_mutual_chap_sha256(void **state)
{
	char answer[256];
	(void)state;

	mutual_setup();
	const char *r = mutual_to_response();
	assert_non_null(strstr(r, "CHAP_N=alice|CHAP_R=0x"));
	assert_non_null(strstr(r, "|CHAP_I=160|CHAP_C=0xa1a2a3a4"));
	target_answer(answer, tsecret, 16);
	int rc = rsp(SEC_TO_OPER, answer);
	if (rc != ISCSI_LOGIN_SEND)
		fail_msg("%d: %s", rc, iscsi_login_msg(&login));
	finish_operational();
}

static void test_mutual_chap_failures(void **state)
{
	char answer[256];
	(void)state;

	mutual_setup();
	mutual_to_response();
	target_answer(answer, (const uint8_t *)"wrong-secret-000", 16);
	assert_int_equal(rsp(SEC_TO_OPER, answer), -EACCES);
	assert_non_null(strstr(iscsi_login_msg(&login), "mutual CHAP with " IQN_T " failed"));

	mutual_setup();
	mutual_to_response();
	assert_int_equal(rsp(SEC_TO_OPER, ""), -EACCES);
	assert_non_null(strstr(iscsi_login_msg(&login), "did not answer our mutual CHAP"));

	mutual_setup();
	mutual_to_response();
	target_answer(answer, tsecret, 16);
	answer[7] = 'X'; /* CHAP_N=Xtorage1 */
	assert_int_equal(rsp(SEC_TO_OPER, answer), -EACCES);
	assert_non_null(strstr(iscsi_login_msg(&login), "unexpected CHAP_N"));

	/* target tries to skip CHAP although we only offered CHAP */
	mutual_setup();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, "AuthMethod=None|"), -EPROTO);
	mutual_setup();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, ""), -EACCES);
	assert_non_null(strstr(iscsi_login_msg(&login), "skipped the authentication we require"));

	/* CHAP_N/CHAP_R twice, and before our response */
	mutual_setup();
	mutual_to_response();
	target_answer(answer, tsecret, 16);
	strcat(answer, "CHAP_N=storage1|");
	assert_int_equal(rsp(SEC_TO_OPER, answer), -EPROTO);

	/* random source failure surfaces from build */
	mutual_setup();
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "AuthMethod=CHAP|"), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "CHAP_A=7|CHAP_I=3|CHAP_C=0x0102|"), ISCSI_LOGIN_SEND);
	random_fail = 1;
	uint8_t bhs[48], data[1024];
	uint32_t len;
	assert_int_equal(iscsi_login_build(&login, bhs, data, sizeof(data), &len), -EIO);
	assert_string_equal(iscsi_login_msg(&login), "random source failed");

	/* reflection: the target's challenge equals what our random source produces */
	random_fail = 0;
	mutual_setup();
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "AuthMethod=CHAP|"), ISCSI_LOGIN_SEND);
	req(NULL);
	char refl[128];
	int n = sprintf(refl, "CHAP_A=7|CHAP_I=3|CHAP_C=0x");
	for (int i = 0; i < 32; i++)
		n += sprintf(refl + n, "%02x", 0xa1 + i);
	strcat(refl, "|");
	assert_int_equal(rsp(SEC_STAY, refl), ISCSI_LOGIN_SEND);
	assert_int_equal(iscsi_login_build(&login, bhs, data, sizeof(data), &len), -EINVAL);
	assert_non_null(strstr(iscsi_login_msg(&login), "reflection"));
}

static void test_chap_sequence_errors(void **state)
{
	(void)state;

	cfg.chap_name = "alice";
	cfg.chap_secret = secret;
	cfg.chap_secret_len = 16;

	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "AuthMethod=CHAP|CHAP_I=1|"), -EPROTO);
	assert_string_equal(iscsi_login_msg(&login), "target sent CHAP keys out of sequence");

	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "AuthMethod=Reject|"), -EACCES);
	assert_non_null(strstr(iscsi_login_msg(&login), "refused our authentication methods"));

	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "AuthMethod=CHAP|AuthMethod=CHAP|"), -EPROTO);

	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "AuthMethod=SRP|"), -EPROTO);

	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "AuthMethod=CHAP|"), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "CHAP_A=5|"), -EPROTO);
	assert_non_null(strstr(iscsi_login_msg(&login), "lacks CHAP_A, CHAP_I or CHAP_C"));

	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "AuthMethod=CHAP|"), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "CHAP_A=Reject|"), -EACCES);
	assert_non_null(strstr(iscsi_login_msg(&login), "none of our CHAP algorithms"));

	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "AuthMethod=CHAP|"), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "CHAP_A=5|CHAP_X=1|"), -EPROTO);

	/* target picks CHAP and ends the stage in the same breath */
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, "AuthMethod=CHAP|"), -EPROTO);
	assert_string_equal(iscsi_login_msg(&login),
	                    "target ended the security stage before CHAP completed");

	/* target transits before we answered its challenge: our request had T=0 anyway */
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "AuthMethod=CHAP|"), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, "CHAP_A=5|CHAP_I=1|CHAP_C=0x01|"), -EPROTO);
	assert_string_equal(iscsi_login_msg(&login),
	                    "target moved to the next stage without our consent");

	/* a new challenge after our response */
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "AuthMethod=CHAP|"), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "CHAP_A=5|CHAP_I=1|CHAP_C=0x01|"), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "CHAP_C=0x02|"), -EPROTO);

	/* one-way: target answers T=0 with nothing after our response; we ask to move on */
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "AuthMethod=CHAP|"), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, "CHAP_A=5|CHAP_I=1|CHAP_C=0x01|"), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp(SEC_STAY, ""), ISCSI_LOGIN_SEND);
	uint8_t f;
	assert_string_equal(req(&f), "");
	assert_int_equal(f, SEC_TO_OPER);
	assert_int_equal(rsp(SEC_TO_OPER, ""), ISCSI_LOGIN_SEND);
	finish_operational();

	/* security keys in the operational stage */
	cfg.chap_name = NULL;
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, "AuthMethod=None|"), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp(OPER_STAY, "CHAP_A=5|"), -EPROTO);
	assert_non_null(strstr(iscsi_login_msg(&login), "target sent bad CHAP_A"));
}

/* A final response split by the C bit, in the middle of a key. */
static void test_continuation(void **state)
{
	uint8_t f;
	(void)state;

	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, "AuthMethod=None|"), ISCSI_LOGIN_SEND);
	req(&f);
	size_t cut = 100;
	char first[200];
	memcpy(first, oper_answers, cut);
	first[cut] = 0;
	assert_int_equal(rsp(ISCSI_LOGIN_FLAGS(0, 1, 1, 0), first), ISCSI_LOGIN_SEND);
	const char *r = req(&f);
	assert_string_equal(r, "");
	assert_int_equal(f, OPER_TO_FFP); /* flags of the request being continued */
	assert_int_equal(final_rsp(oper_answers + cut), ISCSI_LOGIN_DONE);
	assert_int_equal(iscsi_login_result(&login)->params.max_send_dsl, 65536);

	/* reassembly overflow */
	static uint8_t small[8192];
	assert_int_equal(iscsi_login_init(&login, &cfg, small, sizeof(small)), 0);
	req(NULL);
	char big[8200];
	memset(big, 'x', 8000);
	memcpy(big, "X-a=", 4);
	big[8000] = 0;
	assert_int_equal(rsp(ISCSI_LOGIN_FLAGS(0, 1, 0, 0), big), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp(ISCSI_LOGIN_FLAGS(0, 1, 0, 0), big), -EMSGSIZE);
}

/* The target offers keys of its own; we answer in the next request. */
static void test_target_offers(void **state)
{
	uint8_t f;
	(void)state;

	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, "AuthMethod=None|X-vendor.Key=1|"), ISCSI_LOGIN_SEND);
	const char *r = req(&f);
	assert_non_null(strstr(r, "|X-vendor.Key=NotUnderstood|"));
	assert_int_equal(rsp(OPER_STAY, "HeaderDigest=None|DataDigest=None|IFMarker=No|"),
	                 ISCSI_LOGIN_SEND);
	r = req(&f);
	assert_int_equal(f, OPER_TO_FFP);
	assert_string_equal(r, "IFMarker=No|");
	assert_int_equal(final_rsp(oper_answers + strlen("HeaderDigest=None|DataDigest=None|")),
	                 ISCSI_LOGIN_DONE);

	/* offering a negotiable key in the final response is a violation */
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, "AuthMethod=None|"), ISCSI_LOGIN_SEND);
	req(NULL);
	char t[1024];
	snprintf(t, sizeof(t), "%sTaskReporting=RFC3720|", oper_answers);
	assert_int_equal(final_rsp(t), ISCSI_LOGIN_DONE); /* unknown-ish key: answer dropped */
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, "AuthMethod=None|"), ISCSI_LOGIN_SEND);
	req(NULL);
	/* no answer for MaxBurstLength but an unsolicited DefaultTime2Retain re-offer */
	assert_int_equal(final_rsp("DefaultTime2Retain=0|DefaultTime2Retain=0|"), -EPROTO);
	assert_non_null(strstr(iscsi_login_msg(&login), "negotiated twice"));

	/* target offers a session key while still in the security stage */
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, "AuthMethod=None|MaxOutstandingR2T=4|"),
	                 ISCSI_LOGIN_SEND);
	r = req(&f);
	assert_non_null(strstr(r, "MaxOutstandingR2T=1|"));
	assert_int_equal(final_rsp(""), ISCSI_LOGIN_DONE);
	assert_int_equal(iscsi_login_result(&login)->params.max_outstanding_r2t, 1);
	/* unanswered offers resolve per RFC: MaxBurstLength min(1 MiB, 256 KiB) */
	assert_int_equal(iscsi_login_result(&login)->params.max_burst, 262144);

	/* more unknown keys than our answer buffer holds */
	init_ok();
	req(NULL);
	static char many[8192];
	size_t m = 0;
	for (int i = 0; m < 4000; i++)
		m += (size_t)sprintf(many + m, "X-key-%04d=1|", i);
	assert_int_equal(rsp(SEC_TO_OPER, many), -EPROTO);
	assert_string_equal(iscsi_login_msg(&login), "target sent more keys than we can answer");

	/* a mandatory digest the target never answers */
	cfg.params.header_digest = ISCSI_DIGEST_CRC32C;
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, "AuthMethod=None|"), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(final_rsp("DataDigest=None|"), -EOPNOTSUPP);
	assert_string_equal(iscsi_login_msg(&login), "target sent bad HeaderDigest: target never "
	                                             "answered the CRC32C digest we require");
	cfg.params.header_digest = ISCSI_DIGEST_PREFER_CRC32C;

	/* a bad value from the target */
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, "AuthMethod=None|"), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(final_rsp("MaxBurstLength=0|"), -EPROTO);
	assert_string_equal(iscsi_login_msg(&login),
	                    "target sent bad MaxBurstLength: value out of range");
}

static void test_discovery(void **state)
{
	uint8_t f;
	(void)state;

	cfg.target_name = NULL;
	cfg.params.header_digest = ISCSI_DIGEST_NONE;
	cfg.params.data_digest = ISCSI_DIGEST_NONE;
	init_ok();
	const char *r = req(&f);
	assert_string_equal(r, "InitiatorName=" IQN_I "|SessionType=Discovery|AuthMethod=None|");
	assert_int_equal(rsp(SEC_TO_OPER, "AuthMethod=None|"), ISCSI_LOGIN_SEND);
	r = req(&f);
	assert_string_equal(r,
	                    "HeaderDigest=None|DataDigest=None|MaxRecvDataSegmentLength=262144|");
	assert_int_equal(
	    final_rsp("HeaderDigest=None|DataDigest=None|MaxRecvDataSegmentLength=8192|"
	              "MaxBurstLength=Irrelevant|"),
	    ISCSI_LOGIN_DONE);
}

struct status_case {
	uint8_t cls, det;
	int err;
	const char *msg;
};

static void test_status_errors(void **state)
{
	static const struct status_case cases[] = {
	    {2, 0x00, -EINVAL, "rejected the login: initiator error 0x0200"},
	    {2, 0x01, -EACCES, "authentication failed: " IQN_T},
	    {2, 0x02, -EPERM,
	     "initiator " IQN_I " is not allowed to access " IQN_T " (check the target's ACL)"},
	    {2, 0x03, -ENOENT, "target " IQN_T " not found on this portal"},
	    {2, 0x04, -ENODEV, "has been removed"},
	    {2, 0x05, -EPROTONOSUPPORT, "does not support iSCSI protocol version 0"},
	    {2, 0x06, -EBUSY, "too many connections"},
	    {2, 0x07, -EINVAL, "missing parameter"},
	    {2, 0x08, -EINVAL, "cannot include this connection"},
	    {2, 0x09, -EOPNOTSUPP, "does not support normal sessions"},
	    {2, 0x0a, -ESTALE, "stale TSIH"},
	    {2, 0x0b, -EPROTO, "invalid during login"},
	    {2, 0x42, -EINVAL, "initiator error 0x0242"},
	    {3, 0x00, -EIO, "target error 0x0300"},
	    {3, 0x01, -EAGAIN, "service unavailable"},
	    {3, 0x02, -EAGAIN, "out of resources"},
	    {3, 0x10, -EIO, "target error 0x0310"},
	    {4, 0x00, -EPROTO, "unknown login status 0x0400"},
	    {1, 0x03, -EPROTO, "unknown login status 0x0103"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(NULL);
		init_ok();
		req(NULL);
		assert_int_equal(rsp_full(0, cases[i].cls, cases[i].det, 0, "", ITT, 0),
		                 cases[i].err);
		if (strstr(iscsi_login_msg(&login), cases[i].msg) == NULL)
			fail_msg("status %02x%02x: \"%s\" lacks \"%s\"", cases[i].cls, cases[i].det,
			         iscsi_login_msg(&login), cases[i].msg);
	}

	/* authentication failure without credentials says what to configure */
	setup(NULL);
	init_ok();
	req(NULL);
	assert_int_equal(rsp_full(0, 2, 1, 0, "", ITT, 0), -EACCES);
	assert_string_equal(iscsi_login_msg(&login),
	                    "authentication failed: " IQN_T
	                    " requires CHAP but no credentials are configured");
	/* with credentials: point at them */
	setup(NULL);
	cfg.chap_name = "alice";
	cfg.chap_secret = secret;
	cfg.chap_secret_len = 16;
	init_ok();
	req(NULL);
	assert_int_equal(rsp_full(0, 2, 1, 0, "", ITT, 0), -EACCES);
	assert_string_equal(
	    iscsi_login_msg(&login),
	    "authentication failed: check the CHAP user name and secret for " IQN_T);
	/* a message longer than the buffer is truncated, not overrun */
	setup(NULL);
	static char long_i[224], long_t[224];
	memset(long_i, 'i', 223);
	memset(long_t, 't', 223);
	cfg.initiator_name = long_i;
	cfg.target_name = long_t;
	init_ok();
	req(NULL);
	assert_int_equal(rsp_full(0, 2, 2, 0, "", ITT, 0), -EPERM);
	assert_int_equal(strlen(iscsi_login_msg(&login)), ISCSI_LOGIN_MSG_MAX - 1);
	/* and discovery sessions are named as such */
	setup(NULL);
	cfg.target_name = "";
	init_ok();
	req(NULL);
	assert_int_equal(rsp_full(0, 2, 9, 0, "", ITT, 0), -EOPNOTSUPP);
	assert_string_equal(iscsi_login_msg(&login), "target does not support discovery sessions");
}

static void test_redirect(void **state)
{
	bool permanent = true;
	(void)state;

	init_ok();
	req(NULL);
	assert_int_equal(rsp_full(0, 1, 1, 0, "TargetAddress=[2001:db8::7]:3261,3|", ITT, 0),
	                 ISCSI_LOGIN_REDIRECT);
	const struct iscsi_portal *p = iscsi_login_redirect(&login, &permanent);
	assert_false(permanent);
	assert_int_equal(p->host.kind, ISCSI_HOST_IPV6);
	assert_int_equal(p->port, 3261);
	assert_int_equal(p->tpgt, 3);
	assert_string_equal(iscsi_login_msg(&login), IQN_T " moved temporarily to 2001:db8::7");

	init_ok();
	req(NULL);
	assert_int_equal(
	    rsp_full(0, 1, 2, 0, "X=1|TargetAddress=bad addr|TargetAddress=10.1.1.1|", ITT, 0),
	    ISCSI_LOGIN_REDIRECT);
	p = iscsi_login_redirect(&login, &permanent);
	assert_true(permanent);
	assert_int_equal(p->port, 3260);

	init_ok();
	req(NULL);
	assert_int_equal(rsp_full(0, 1, 1, 0, "", ITT, 0), -EPROTO);
	assert_non_null(strstr(iscsi_login_msg(&login), "without a usable TargetAddress"));
}

static void test_protocol_errors(void **state)
{
	uint8_t bhs[48];
	struct iscsi_pdu p;
	(void)state;

	init_ok();
	req(NULL);
	assert_int_equal(rsp_full(SEC_TO_OPER, 0, 0, 0, "", ITT + 1, 0), -EPROTO);
	assert_string_equal(iscsi_login_msg(&login), "login response carries a foreign task tag");

	init_ok();
	req(NULL);
	assert_int_equal(rsp_full(SEC_TO_OPER, 0, 0, 0, "", ITT, 1), -EPROTONOSUPPORT);

	/* wrong CSG, invalid NSG, transit to a stage we did not ask for */
	init_ok();
	req(NULL);
	assert_int_equal(rsp(ISCSI_LOGIN_FLAGS(1, 0, 1, 3), ""), -EPROTO);
	assert_string_equal(iscsi_login_msg(&login), "login response is for a different stage");
	init_ok();
	req(NULL);
	assert_int_equal(rsp(ISCSI_LOGIN_FLAGS(1, 0, 0, 3), ""), -EPROTO);
	assert_string_equal(iscsi_login_msg(&login), "target chose an invalid next stage");
	init_ok();
	req(NULL);
	assert_int_equal(rsp(ISCSI_LOGIN_FLAGS(1, 0, 0, 0), ""), -EPROTO);

	/* malformed text */
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, "AuthMethod=None"), -EPROTO);
	assert_string_equal(iscsi_login_msg(&login),
	                    "malformed login response text: text record not NUL-terminated");

	/* initiator-only key from the target */
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, "InitiatorName=x|"), -EPROTO);

	/* no TSIH at the end of a new session, or a changed one for an existing session */
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, ""), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp_full(OPER_TO_FFP, 0, 0, 0, oper_answers, ITT, 0), -EPROTO);
	assert_non_null(strstr(iscsi_login_msg(&login), "without assigning a TSIH"));
	cfg.tsih = 7;
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, ""), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp_full(OPER_TO_FFP, 0, 0, 8, oper_answers, ITT, 0), -EPROTO);
	init_ok();
	req(NULL);
	assert_int_equal(rsp(SEC_TO_OPER, ""), ISCSI_LOGIN_SEND);
	req(NULL);
	assert_int_equal(rsp_full(OPER_TO_FFP, 0, 0, 7, oper_answers, ITT, 0), ISCSI_LOGIN_DONE);
	cfg.tsih = 0;

	/* other PDUs during login */
	init_ok();
	req(NULL);
	memset(&p, 0, sizeof(p));
	p.opcode = ISCSI_OP_REJECT;
	p.flags = 0x80;
	p.reason = 0x04;
	p.itt = ISCSI_TAG_RESERVED;
	iscsi_pdu_encode(&p, bhs);
	assert_int_equal(iscsi_login_rx(&login, bhs, NULL, 0), -EPROTO);
	assert_string_equal(iscsi_login_msg(&login),
	                    "target rejected our login request: protocol error");
	init_ok();
	req(NULL);
	p.opcode = ISCSI_OP_NOP_IN;
	iscsi_pdu_encode(&p, bhs);
	assert_int_equal(iscsi_login_rx(&login, bhs, NULL, 0), -EPROTO);
	assert_string_equal(iscsi_login_msg(&login), "unexpected NOP-In during login");
	init_ok();
	req(NULL);
	memset(bhs, 0, 48);
	bhs[0] = 0x3c;
	assert_int_equal(iscsi_login_rx(&login, bhs, NULL, 0), -EPROTO);
	assert_string_equal(iscsi_login_msg(&login),
	                    "malformed login response: unknown or vendor-specific opcode");

	/* foreign ISID */
	init_ok();
	req(NULL);
	memset(&p, 0, sizeof(p));
	p.opcode = ISCSI_OP_LOGIN_RSP;
	p.flags = SEC_TO_OPER;
	p.itt = ITT;
	iscsi_pdu_encode(&p, bhs);
	assert_int_equal(iscsi_login_rx(&login, bhs, NULL, 0), -EPROTO);
	assert_string_equal(iscsi_login_msg(&login), "login response carries a foreign ISID");

	/* a target that never finishes */
	init_ok();
	int rc = 0;
	for (int i = 0; i < 20; i++) {
		req(NULL);
		rc = rsp(SEC_STAY, "");
		if (rc != ISCSI_LOGIN_SEND)
			break;
	}
	assert_int_equal(rc, -EPROTO);
	assert_string_equal(iscsi_login_msg(&login), "login did not complete within 16 exchanges");
}

static void test_build_limits(void **state)
{
	uint8_t bhs[48], data[32];
	static uint8_t huge[65536];
	uint32_t len;
	(void)state;

	/* a bigger buffer is fine, but never used beyond the 8192 bytes a login PDU may carry */
	init_ok();
	assert_int_equal(iscsi_login_build(&login, bhs, huge, sizeof(huge), &len), 0);
	assert_true(len < 8192);

	init_ok();
	assert_int_equal(iscsi_login_build(&login, bhs, data, sizeof(data), &len), -ENOSPC);
	assert_string_equal(iscsi_login_msg(&login), "login request does not fit the buffer");
}

static void expect_init_error(const char *msg)
{
	assert_int_equal(iscsi_login_init(&login, &cfg, rxbuf, sizeof(rxbuf)), -EINVAL);
	if (strstr(iscsi_login_msg(&login), msg) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", iscsi_login_msg(&login), msg);
	setup(NULL);
}

static void test_config_errors(void **state)
{
	char longname[300];
	(void)state;

	assert_int_equal(iscsi_login_init(&login, &cfg, rxbuf, 4096), -EINVAL);
	cfg.initiator_name = NULL;
	expect_init_error("initiator name missing");
	cfg.initiator_name = "iqn.with space";
	expect_init_error("initiator name missing");
	memset(longname, 'a', sizeof(longname));
	longname[224] = 0;
	cfg.initiator_name = longname;
	expect_init_error("initiator name");
	cfg.target_name = longname;
	expect_init_error("target name");
	longname[224] = 'a';
	longname[256] = 0;
	cfg.initiator_alias = longname;
	expect_init_error("alias");
	cfg.chap_name = "";
	expect_init_error("CHAP user name");
	cfg.chap_name = "alice";
	cfg.chap_secret = (const uint8_t *)"short";
	cfg.chap_secret_len = 5;
	expect_init_error("under the 12 bytes RFC 7143 requires");
	cfg.chap_name = "alice";
	cfg.chap_secret = (const uint8_t *)"short";
	cfg.chap_secret_len = 5;
	cfg.allow_short_secret = true;
	assert_int_equal(iscsi_login_init(&login, &cfg, rxbuf, sizeof(rxbuf)), 0);
	setup(NULL);
	cfg.mutual_secret = tsecret;
	cfg.mutual_secret_len = 16;
	expect_init_error("mutual CHAP needs one-way CHAP credentials");
	cfg.chap_name = "alice";
	cfg.chap_secret = secret;
	cfg.chap_secret_len = 16;
	cfg.mutual_secret = secret;
	cfg.mutual_secret_len = 16;
	expect_init_error("must differ");
	cfg.chap_name = "alice";
	cfg.chap_secret = secret;
	cfg.chap_secret_len = 16;
	cfg.mutual_secret = tsecret;
	cfg.mutual_secret_len = 16;
	cfg.random = NULL;
	expect_init_error("random source");
	cfg.chap_name = "alice";
	cfg.chap_secret = secret;
	cfg.chap_secret_len = 16;
	cfg.mutual_secret = tsecret;
	cfg.mutual_secret_len = 3;
	expect_init_error("mutual CHAP secret");
	cfg.chap_name = "alice";
	cfg.chap_secret = secret;
	cfg.chap_secret_len = 16;
	cfg.mutual_secret = tsecret;
	cfg.mutual_secret_len = 16;
	cfg.mutual_name = longname;
	expect_init_error("mutual CHAP name");
	cfg.params.max_burst = 1;
	expect_init_error("offer out of range");
}

static void test_final_errors(void **state)
{
	(void)state;
	/* refusals and mismatches that a retry cannot fix */
	static const int final[] = {-EACCES, -EPERM, -ENOENT, -EINVAL, -EOPNOTSUPP};
	for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
		assert_true(iscsi_login_error_is_final(final[i]));
	/* busy, out of resources, a protocol slip, the network: worth another try */
	static const int transient[] = {0,           -EAGAIN,      -EBUSY,     -EPROTO,
	                                -ETIMEDOUT,  -ECONNRESET,  -ECONNREFUSED, -EIO,
	                                -EMSGSIZE,   -ENOMEM};
	for (size_t i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
		assert_false(iscsi_login_error_is_final(transient[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_no_auth, setup),
	    cmocka_unit_test_setup(test_alias_and_skipped_authmethod, setup),
	    cmocka_unit_test_setup(test_one_way_chap_md5, setup),
	    cmocka_unit_test_setup(test_mutual_chap_sha256, setup),
	    cmocka_unit_test_setup(test_mutual_chap_failures, setup),
	    cmocka_unit_test_setup(test_chap_sequence_errors, setup),
	    cmocka_unit_test_setup(test_continuation, setup),
	    cmocka_unit_test_setup(test_target_offers, setup),
	    cmocka_unit_test_setup(test_discovery, setup),
	    cmocka_unit_test_setup(test_status_errors, setup),
	    cmocka_unit_test_setup(test_redirect, setup),
	    cmocka_unit_test_setup(test_protocol_errors, setup),
	    cmocka_unit_test_setup(test_build_limits, setup),
	    cmocka_unit_test_setup(test_config_errors, setup),
	    cmocka_unit_test(test_final_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
