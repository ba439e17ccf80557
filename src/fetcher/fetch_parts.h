/* SPDX-License-Identifier: MIT */
/* A large message fetched in pieces: which parts can hold a code (from its
 * BODYSTRUCTURE), the FETCH items that ask for them, and the message
 * rebuilt from the pieces for message_analyse(). Pure: no I/O. */
#ifndef OTPBOX_FETCH_PARTS_H
#define OTPBOX_FETCH_PARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap_parse.h"
#include "otpbox_err.h"

/* Text parts fetched of one message; more are recorded as skipped. */
#define FETCH_PARTS_MAX_TEXT 8
/* Room for a media type, charset or encoding token. */
#define FETCH_PARTS_TOKEN 64
/* Room for the description of what was left out. */
#define FETCH_PARTS_SKIPPED_MAX 512
/* Room for the FETCH item list of one message. */
#define FETCH_PARTS_ITEMS_MAX 1024

/* One text part to fetch, its MIME header taken from BODYSTRUCTURE. */
struct fetch_parts_text {
	char section[IMAP_PARSE_SECTION_MAX]; /* "1.2", or "TEXT" */
	char type[FETCH_PARTS_TOKEN];         /* "text/html" */
	char charset[FETCH_PARTS_TOKEN];      /* "" when none was given */
	char encoding[FETCH_PARTS_TOKEN];     /* "" when none was given */
	uint64_t size;
};

/* What to fetch of one message, and what was left out (copied out of the
 * parser's memory, so it outlives the response it came from). */
struct fetch_parts_plan {
	bool whole; /* no usable BODYSTRUCTURE: the first max_bytes of all */
	bool multipart;
	size_t header_max; /* bytes of header asked for */
	size_t part_max;   /* bytes asked for of each text part */
	size_t max_bytes;
	struct fetch_parts_text text[FETCH_PARTS_MAX_TEXT];
	size_t ntext;
	char skipped[FETCH_PARTS_SKIPPED_MAX]; /* "" when nothing */
};

/*
 * Plans the fetch of a message from the BODYSTRUCTURE in fe so that the
 * rebuilt message stays within max_bytes: half for the header, the rest
 * shared by the text/plain and text/html parts that are not attachments.
 * Every other part (attachments, images, attached messages, parts past
 * the parser's limits) is named in plan->skipped. Never fails.
 */
void fetch_parts_plan(const struct imap_parse_fetch *fe, size_t max_bytes,
                      struct fetch_parts_plan *plan);

/*
 * Writes the FETCH items for plan (without parentheses), e.g.
 * "BODY.PEEK[HEADER]<0.131072> BODY.PEEK[1]<0.65536>", into out.
 * OTPBOX_ERR_TOO_BIG when cap is too small.
 */
enum otpbox_err fetch_parts_items(const struct fetch_parts_plan *plan,
                                  char *out, size_t cap);

/* The pieces of one message received so far, copied out of the parser's
 * memory: a server may answer one FETCH with several responses. */
struct fetch_parts_got {
	struct fetch_parts_piece {
		char name[IMAP_PARSE_SECTION_MAX]; /* "HEADER", "1.2"; "":
		                                      BODY[] */
		unsigned char *data;
		size_t len;
	} piece[IMAP_PARSE_MAX_SECTIONS + 1];
	size_t n;
};

/*
 * Copies the BODY[] and BODY[section] items of fe into got (a piece
 * already there is kept: the first copy wins). Errors: OTPBOX_ERR_NOMEM.
 */
enum otpbox_err fetch_parts_take(struct fetch_parts_got *got,
                                 const struct imap_parse_fetch *fe);

/* Frees the copies and empties got (zeroed or emptied before). */
void fetch_parts_got_free(struct fetch_parts_got *got);

/*
 * Rebuilds a message from the pieces in got that answered
 * fetch_parts_items(plan): the header (cut after its last whole line when
 * the limit cut it; its own MIME fields replaced) followed by the text
 * parts, as one part or a multipart/mixed, with Content-Type, charset and
 * Content-Transfer-Encoding from BODYSTRUCTURE. Cut or missing pieces are
 * added to plan->skipped and set *cut. *out (len bytes, NUL-terminated)
 * belongs to the caller. Errors: OTPBOX_ERR_NOMEM.
 */
enum otpbox_err fetch_parts_build(struct fetch_parts_plan *plan,
                                  const struct fetch_parts_got *got, char **out,
                                  size_t *len, bool *cut);

#endif
