/*
 * Kernel command line: parsing the Multiboot string and validating it
 * against the keys that modules declare.
 *
 * Syntax.  Tokens are separated by spaces, tabs, CR or LF.  Double quotes
 * group characters (including blanks) into a token and are removed:
 * key="a b c" and "key=a b c" both give key "key", value "a b c".  There is
 * no escape character.  Each token before a standalone (unquoted) "--" is
 * either key=value (split at the first '=', quoted or not; the value may be
 * empty) or a bare key (value NULL).  Keys must match [A-Za-z0-9._-]+.  Every token after "--" is
 * an application argument, kept verbatim (a further "--" included).
 *
 * The image token.  Loaders (QEMU -kernel, GRUB, iPXE) put the image path or
 * URL first, e.g. "tftp://10.0.2.2/tether.elf app=selftest" or
 * "/boot/tether.elf app=x".  Rule: the FIRST token is taken as the image iff
 * it contains no '=' and contains a '/' (which covers "://" URLs).
 * Otherwise it is an ordinary token, so "quiet app=x" works without one.
 *
 * Context: boot-time code; no locks, no allocation, no global state, so any
 * context is technically fine.  Stack use is a few hundred bytes
 * (cmdline_apply() formats its messages into a local buffer).
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct cmdline_param {
	const char *key;
	const char *value; /* NULL when the token had no '=' */
};

/*
 * The parsed line.  All strings point into buf, so they live exactly as long
 * as the struct; nothing refers back to the caller's line.  The struct is
 * about 3.4 KiB: put it in static storage, not on an interrupt stack.
 */
struct cmdline {
	char buf[CMDLINE_BUF_SIZE];
	const char *image; /* see "The image token" above; NULL if none */
	unsigned nparams;
	struct cmdline_param params[CMDLINE_MAX_PARAMS]; /* in line order */
	int argc;                                        /* tokens after "--" */
	char *argv[CMDLINE_MAX_ARGS + 1];                /* argv[argc] == NULL */
};

/*
 * Parses line (NUL-terminated; NULL is treated as "") into *cl.
 * Returns 0, or:
 *   -EINVAL  unbalanced quote, or a key that is empty / has bad characters;
 *   -E2BIG   line longer than CMDLINE_BUF_SIZE - 1, more than
 *            CMDLINE_MAX_PARAMS parameters or more than CMDLINE_MAX_ARGS args.
 * On error *cl is left empty (no image, no params, no args) and, when err is
 * non-NULL and errlen > 0, err receives one NUL-terminated line starting with
 * "cmdline: " that names the problem, the offending token and any limit.
 * On success err is set to "".
 */
int cmdline_parse(struct cmdline *cl, const char *line, char *err, size_t errlen);

enum cmdline_type {
	CMDLINE_STR,  /* any value, "" included; a bare key is bad */
	CMDLINE_UINT, /* decimal or 0x hex, within [min, max] */
	CMDLINE_SIZE, /* cmdline_parse_size() syntax, within [min, max] */
	CMDLINE_BOOL, /* 1/0 yes/no on/off true/false; a bare key means true */
	CMDLINE_ENUM, /* exactly one of choices */
};

enum cmdline_on_bad {
	CMDLINE_USE_DEFAULT, /* warn and keep the default */
	CMDLINE_FATAL,       /* report, and make cmdline_apply() return -EINVAL */
};

/* A key declared by the module that owns it; usually a static const table. */
struct cmdline_key {
	const char *key;
	enum cmdline_type type;
	const char *defval;         /* default as text, parsed like a value; NULL = none */
	uint64_t min, max;          /* UINT and SIZE bounds, inclusive */
	const char *const *choices; /* ENUM: NULL-terminated list */
	enum cmdline_on_bad on_bad;
	const char *help; /* one line, for README/--help style listings */
};

/*
 * The outcome for one key.  Without a default and without a good value on
 * the line: set=false, str=NULL, num=0, b=false, choice=-1.
 */
struct cmdline_value {
	bool set;        /* a good value was given on the line */
	const char *str; /* text the value came from: default, or into cl->buf; NULL if bare */
	uint64_t num;    /* UINT, SIZE */
	bool b;          /* BOOL */
	int choice;      /* ENUM: index into choices, or -1 */
};

/* Receives one complete line (no trailing newline); msg is valid only during the call. */
typedef void (*cmdline_report_fn)(void *ctx, const char *msg);

/*
 * Fills vals[0..nkeys) (vals[i] for keys[i]) from the defaults and then the
 * parameters in cl.  ASSERTs that the key table itself is sane: valid and
 * unique names, min <= max, choices present for ENUM, and every default
 * valid for its key.
 *
 * Every problem is passed to report (may be NULL to discard) as one line
 * naming the key, the value and what is accepted, and what happens next:
 *   bad value             "...; using the default 6" / "...; cannot continue"
 *   unknown key           ignored, listing the known keys
 *   key given repeatedly  the last one wins, reported as a note
 * Returns 0 when boot may continue (warnings included), -EINVAL if any
 * CMDLINE_FATAL key had a bad value.  The image and argv are not looked at.
 */
int cmdline_apply(const struct cmdline *cl, const struct cmdline_key *keys, size_t nkeys,
                  struct cmdline_value *vals, cmdline_report_fn report, void *ctx);

/* Index of key in keys[0..nkeys), or -ENOENT. */
int cmdline_find(const struct cmdline_key *keys, size_t nkeys, const char *key);

/*
 * Parses a byte count: decimal digits with an optional binary suffix K, M or
 * G (x1024, x1024^2, x1024^3), optionally followed by "iB"; the suffix is
 * case-insensitive ("64M", "64MiB", "4k", "1gib").  No sign, no blanks.
 * Returns 0 and sets *out, -EINVAL on bad syntax (*out untouched), or -ERANGE
 * when the value does not fit in 64 bits.
 */
int cmdline_parse_size(const char *s, uint64_t *out);

#endif
