/* SPDX-License-Identifier: MIT */
/* MIME decoding with GMime: headers and every text part as UTF-8. */
#ifndef OTPBOX_MIME_H
#define OTPBOX_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "otpbox_err.h"

#define MIME_MAX_HEADERS 2000          /* headers kept, in order */
#define MIME_MAX_HEADER_VALUE 65536    /* bytes kept of one header value */
#define MIME_MAX_DEPTH 40              /* nesting of parts walked */
#define MIME_MAX_TEXTS 32              /* text parts kept */
#define MIME_MAX_TEXT_BYTES (1u << 20) /* bytes kept of one text part */

struct mime_header {
	char *name;  /* as written */
	char *value; /* raw (not RFC 2047 decoded), unfolded, valid UTF-8 */
};

struct mime_text {
	char *text; /* decoded, converted to UTF-8, no NUL bytes */
	size_t len;
	bool html;      /* text/html rather than text/plain */
	bool forwarded; /* inside an attached message/rfc822 */
};

struct mime_doc {
	char *message_id, *sender, *subject; /* decoded UTF-8 or NULL */
	time_t date;                         /* 0 when absent or unreadable */
	struct mime_header *headers;         /* top-level headers, in order */
	size_t nheaders;
	struct mime_text *texts; /* in document order */
	size_t ntexts;
	char *error; /* first non-fatal problem, or NULL */
};

/* Initialises GMime; call once per process before any other mime_*. */
void mime_init(void);

/*
 * Parses raw message bytes. Never fails on bad input: what could not be
 * read is described in (*out)->error. Only OTPBOX_ERR_NOMEM is returned.
 * *out belongs to the caller (mime_doc_free()).
 */
enum otpbox_err mime_parse(const char *raw, size_t len, struct mime_doc **out);
void mime_doc_free(struct mime_doc *doc);

/* Returns a NUL-terminated copy of s[0..len) that is valid UTF-8:
 * invalid bytes become U+FFFD; NUL and control bytes other than tab and
 * line breaks are dropped. NULL on ENOMEM. */
char *mime_utf8_dup(const char *s, size_t len);

/* Sets doc->error to a copy of msg unless an error is already recorded. */
void mime_doc_set_error(struct mime_doc *doc, const char *msg);

#endif
