/* SPDX-License-Identifier: MIT */
/* Streaming, literal-safe IMAP response parser: bytes in, responses out. */
#ifndef IMAP_PARSE_H
#define IMAP_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "otpbox_err.h"

/*
 * Use:
 *	imap_parse_new(&lim, &p);
 *	for each chunk read from the socket:
 *		imap_parse_feed(p, buf, n);
 *		while ((err = imap_parse_next(p, &r)) == OTPBOX_OK && r)
 *			handle(r);
 *
 * The module does no I/O. Responses are framed by CRLF and by the exact size
 * of every literal {N} (also ~{N} and {N+}), so bytes inside a literal -- a
 * mail body carrying "A004 OK" or "* 9 FETCH (UID 77 ..." -- never become a
 * response. Every size is checked against the limits before memory is
 * allocated for it. After an error the stream is out of step: the parser
 * keeps returning that error, and the caller drops the connection.
 */

/* Limits fixed at creation. A zero field takes the default shown. */
struct imap_parse_limits {
	size_t max_line;     /* bytes of one line, literals excluded (64 KiB) */
	size_t max_literal;  /* bytes of one literal (32 MiB) */
	size_t max_response; /* bytes of one response, literals included
	                        (max_literal + 2 * max_line) */
	size_t max_items;    /* literals per response, FETCH items, capability
	                        names, SEARCH numbers (4096) */
};

enum imap_parse_type {
	IMAP_PARSE_UNTAGGED = 1, /* "* ..." */
	IMAP_PARSE_TAGGED,       /* "A1 OK ..." */
	IMAP_PARSE_CONTINUATION, /* "+ ..." */
};

enum imap_parse_status {
	IMAP_PARSE_STATUS_NONE = 0, /* not a status response (data, "+") */
	IMAP_PARSE_STATUS_OK,
	IMAP_PARSE_STATUS_NO,
	IMAP_PARSE_STATUS_BAD,
	IMAP_PARSE_STATUS_BYE,
	IMAP_PARSE_STATUS_PREAUTH,
};

/* What an untagged response carries besides (or instead of) a status. */
enum imap_parse_data {
	IMAP_PARSE_DATA_NONE = 0,   /* status, tagged or continuation */
	IMAP_PARSE_DATA_EXISTS,     /* "* n EXISTS": number */
	IMAP_PARSE_DATA_EXPUNGE,    /* "* n EXPUNGE": number */
	IMAP_PARSE_DATA_RECENT,     /* "* n RECENT": number */
	IMAP_PARSE_DATA_FETCH,      /* "* n FETCH (...)": number, fetch */
	IMAP_PARSE_DATA_CAPABILITY, /* "* CAPABILITY ...": caps */
	IMAP_PARSE_DATA_SEARCH,     /* "* SEARCH n...": search, nsearch */
	IMAP_PARSE_DATA_FLAGS,      /* "* FLAGS (...)": not parsed further */
	IMAP_PARSE_DATA_LIST,       /* "* LIST ..." or "* LSUB ...": idem */
	IMAP_PARSE_DATA_OTHER,      /* any other untagged data: idem */
};

/* Response codes ("[...]" after OK/NO/BAD/BYE/PREAUTH) told apart. */
enum imap_parse_code {
	IMAP_PARSE_CODE_NONE = 0,
	IMAP_PARSE_CODE_OTHER, /* see code_text */
	IMAP_PARSE_CODE_ALERT,
	IMAP_PARSE_CODE_AUTHENTICATIONFAILED,
	IMAP_PARSE_CODE_AUTHORIZATIONFAILED,
	IMAP_PARSE_CODE_EXPIRED,
	IMAP_PARSE_CODE_UNAVAILABLE,
	IMAP_PARSE_CODE_LIMIT,
	IMAP_PARSE_CODE_INUSE,
	IMAP_PARSE_CODE_SERVERBUG,
	IMAP_PARSE_CODE_TRYCREATE,
	IMAP_PARSE_CODE_NONEXISTENT,
	IMAP_PARSE_CODE_UIDVALIDITY, /* code_number */
	IMAP_PARSE_CODE_UIDNEXT,     /* code_number */
	IMAP_PARSE_CODE_UNSEEN,      /* code_number */
	IMAP_PARSE_CODE_CAPABILITY,  /* caps */
	IMAP_PARSE_CODE_PERMANENTFLAGS,
	IMAP_PARSE_CODE_READ_ONLY,
	IMAP_PARSE_CODE_READ_WRITE,
	IMAP_PARSE_CODE_CLOSED,
	IMAP_PARSE_CODE_PARSE,
};

/* Well-known capabilities as bits of imap_parse_resp.caps. */
#define IMAP_PARSE_CAP_IMAP4REV1 (1u << 0)
#define IMAP_PARSE_CAP_IMAP4REV2 (1u << 1)
#define IMAP_PARSE_CAP_IDLE (1u << 2)
#define IMAP_PARSE_CAP_STARTTLS (1u << 3)
#define IMAP_PARSE_CAP_LOGINDISABLED (1u << 4)
#define IMAP_PARSE_CAP_AUTH_PLAIN (1u << 5)
#define IMAP_PARSE_CAP_AUTH_LOGIN (1u << 6)
#define IMAP_PARSE_CAP_AUTH_XOAUTH2 (1u << 7)
#define IMAP_PARSE_CAP_AUTH_OAUTHBEARER (1u << 8)
#define IMAP_PARSE_CAP_SASL_IR (1u << 9)
#define IMAP_PARSE_CAP_LITERALPLUS (1u << 10)  /* LITERAL+ */
#define IMAP_PARSE_CAP_LITERALMINUS (1u << 11) /* LITERAL- */
#define IMAP_PARSE_CAP_UIDPLUS (1u << 12)
#define IMAP_PARSE_CAP_CONDSTORE (1u << 13)
#define IMAP_PARSE_CAP_ENABLE (1u << 14)
#define IMAP_PARSE_CAP_ID (1u << 15)
#define IMAP_PARSE_CAP_NAMESPACE (1u << 16)
#define IMAP_PARSE_CAP_ESEARCH (1u << 17)
#define IMAP_PARSE_CAP_UTF8_ACCEPT (1u << 18) /* UTF8=ACCEPT */

/* BODYSTRUCTURE nesting followed; deeper parts are skipped (counted in
 * parts_omitted), so hostile nesting costs neither stack nor memory. */
#define IMAP_PARSE_MAX_DEPTH 8
/* Leaf parts kept of one BODYSTRUCTURE; the rest are counted. */
#define IMAP_PARSE_MAX_PARTS 64
/* BODY[section] items kept of one FETCH response; the rest are skipped. */
#define IMAP_PARSE_MAX_SECTIONS 16
/* Room for a part number such as "1.2.3" (IMAP_PARSE_MAX_DEPTH numbers). */
#define IMAP_PARSE_SECTION_MAX 96

/*
 * One leaf of a BODYSTRUCTURE (a part that is not multipart; an attached
 * message/rfc822 is one leaf, its insides are not listed). Strings are as
 * the server sent them ("" for NIL or absent); compare them
 * case-insensitively. Servers get BODYSTRUCTURE wrong (Exchange writes a
 * bare string for the disposition, NIL for the encoding, -1 for a size):
 * such fields come back empty or 0 rather than failing the response.
 */
struct imap_parse_part {
	char section[IMAP_PARSE_SECTION_MAX]; /* "1", "2.1": BODY[section] */
	const char *type, *subtype;           /* "text", "plain" */
	const char *charset;                  /* the charset parameter */
	const char *encoding;    /* Content-Transfer-Encoding, e.g. "base64" */
	const char *disposition; /* "attachment", "inline" or "" */
	const char *filename;    /* disposition filename, else the name param */
	uint64_t size; /* octets as encoded; 0 when absent or negative */
};

/* One BODY[section]<origin> item other than BODY[] (e.g. HEADER, 1.2). */
struct imap_parse_section {
	const char *name; /* the text inside [ ], e.g. "HEADER", "1.2" */
	int has_origin;
	uint64_t origin;
	int nil;
	const unsigned char *data; /* not NUL-terminated; len bytes */
	size_t len;
};

/* The items of one "* n FETCH (...)" response that otpbox uses. */
struct imap_parse_fetch {
	int has_uid;
	uint32_t uid;
	int has_internaldate; /* 0 also when the date was malformed */
	time_t internaldate;  /* UTC seconds, the zone applied */
	int has_size;
	uint64_t size; /* RFC822.SIZE */
	int has_flags;
	const char *flags; /* text inside "FLAGS (...)", NUL-terminated */
	/*
	 * BODY[] (also BODY[]<origin>, RFC822): the section-less body, as
	 * sent for BODY.PEEK[] or BODY.PEEK[]<0.N>. body_nil is set for NIL.
	 * A quoted body is unescaped. body may hold NULs and is NOT
	 * NUL-terminated; use body_len. Other sections go in sections[].
	 */
	int has_body;
	int body_nil;
	const unsigned char *body;
	size_t body_len;
	int has_origin;
	uint64_t origin; /* <origin> of a partial fetch */
	/* BODYSTRUCTURE (or BODY without a section): its leaves in order. */
	int has_bodystructure;
	int multipart; /* the root is multipart (else its one part is "1") */
	const struct imap_parse_part *parts;
	size_t nparts;
	size_t parts_omitted; /* leaves past the depth or count limits */
	/* BODY[section] items, in the order sent */
	struct imap_parse_section sections[IMAP_PARSE_MAX_SECTIONS];
	size_t nsections;
};

/*
 * One complete response. Every pointer in it points into memory owned by
 * the parser and stays valid until the next imap_parse_next() or
 * imap_parse_free() on that parser (imap_parse_feed() does not invalidate
 * it). Strings are NUL-terminated and never NULL ("" when absent).
 */
struct imap_parse_resp {
	enum imap_parse_type type;
	const char *tag; /* tagged only, else "" */
	enum imap_parse_status status;
	enum imap_parse_code code;
	const char *code_text; /* raw text inside [ ], e.g. "UIDNEXT 42" */
	uint32_t code_number;  /* UIDVALIDITY, UIDNEXT, UNSEEN */
	const char *text; /* human text (continuation: the rest after "+ ") */
	enum imap_parse_data data;
	uint32_t number;        /* EXISTS, EXPUNGE, RECENT, FETCH */
	unsigned caps;          /* IMAP_PARSE_CAP_* of CAPABILITY data/code */
	const char *cap_list;   /* the capability names, one space between */
	const uint32_t *search; /* SEARCH numbers */
	size_t nsearch;
	struct imap_parse_fetch fetch; /* DATA_FETCH only */
	const unsigned char *raw;      /* the whole response, literals incl. */
	size_t raw_len;
};

struct imap_parse;

/*
 * Creates a parser with the given limits (NULL: all defaults).
 * Errors: OTPBOX_ERR_NOMEM, OTPBOX_ERR_USAGE. Free with imap_parse_free().
 */
enum otpbox_err imap_parse_new(const struct imap_parse_limits *lim,
                               struct imap_parse **out);

/* Frees p and every response it returned. Accepts NULL. */
void imap_parse_free(struct imap_parse *p);

/*
 * Appends len bytes read from the server. The bytes are copied. Buffered,
 * not yet returned input is capped at max_response + max_line: drain with
 * imap_parse_next() after each feed of at most max_line bytes and the cap is
 * never hit. Errors: OTPBOX_ERR_TOO_BIG, OTPBOX_ERR_NOMEM, or the sticky
 * error of an earlier call.
 */
enum otpbox_err imap_parse_feed(struct imap_parse *p, const void *data,
                                size_t len);

/*
 * Returns the next complete response in *out, or OTPBOX_OK with *out NULL
 * when more bytes are needed. Errors (*out NULL, message in
 * imap_parse_errmsg()): OTPBOX_ERR_TOO_BIG (a line, literal, response or item
 * count over its limit, refused before allocating), OTPBOX_ERR_PROTOCOL
 * (malformed response), OTPBOX_ERR_NOMEM. Errors are sticky.
 */
enum otpbox_err imap_parse_next(struct imap_parse *p,
                                const struct imap_parse_resp **out);

/*
 * Bytes fed but not yet returned as a response. Non-zero when the server
 * closed the connection means the last response was cut off.
 */
size_t imap_parse_pending(const struct imap_parse *p);

/* The message of the last error, "" if none. Belongs to p. */
const char *imap_parse_errmsg(const struct imap_parse *p);

/*
 * Whether a CAPABILITY response or [CAPABILITY ...] code in r names cap
 * (compared case-insensitively, e.g. "IDLE", "AUTH=XOAUTH2", "LITERAL+").
 * Works for any name, not only those with an IMAP_PARSE_CAP_* bit.
 */
int imap_parse_has_capability(const struct imap_parse_resp *r, const char *cap);

#endif
