/* SPDX-License-Identifier: MIT */
/* Prints what imap_parse makes of a server byte stream on stdin, one line
 * per response; fed whole and byte by byte, which must agree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_parse.h"

#define DUMP_MAX_INPUT (64u * 1024 * 1024)

static const char *const dump_status[] = {"",     " OK",  " NO",
                                          " BAD", " BYE", " PREAUTH"};
static const char *const dump_data[] = {
    "",        " EXISTS", " EXPUNGE", " RECENT", " FETCH", " CAPABILITY",
    " SEARCH", " FLAGS",  " LIST",    " OTHER"};

static void
dump_fetch(FILE *out, const struct imap_parse_fetch *f)
{
	if (f->has_uid)
		fprintf(out, " uid=%u", f->uid);
	if (f->has_internaldate)
		fprintf(out, " date=%lld", (long long)f->internaldate);
	if (f->has_size)
		fprintf(out, " size=%llu", (unsigned long long)f->size);
	if (f->has_flags)
		fprintf(out, " flags=(%s)", f->flags);
	if (f->has_origin)
		fprintf(out, " origin=%llu", (unsigned long long)f->origin);
	if (f->has_body && f->body_nil)
		fprintf(out, " body=NIL");
	else if (f->has_body)
		fprintf(out, " body[%zu]", f->body_len);
}

static void
dump_resp(FILE *out, const struct imap_parse_resp *r)
{
	if (r->type == IMAP_PARSE_CONTINUATION)
		fputs("+", out);
	else
		fputs(r->type == IMAP_PARSE_TAGGED ? r->tag : "*", out);
	if (r->data >= IMAP_PARSE_DATA_EXISTS &&
	    r->data <= IMAP_PARSE_DATA_FETCH)
		fprintf(out, " %u", r->number);
	fputs(dump_data[r->data], out);
	fputs(dump_status[r->status], out);
	if (r->code)
		fprintf(out, " [%s]", r->code_text);
	if (r->data == IMAP_PARSE_DATA_FETCH)
		dump_fetch(out, &r->fetch);
	if (*r->text && r->data != IMAP_PARSE_DATA_CAPABILITY)
		fprintf(out, " \"%s\"", r->text);
	fputc('\n', out);
}

/* Parses in[0..n) fed in chunks of at most chunk bytes, printing to out. */
static int
dump_run(const unsigned char *in, size_t n, size_t chunk, FILE *out)
{
	const struct imap_parse_resp *r;
	struct imap_parse *p = NULL;
	enum otpbox_err err = OTPBOX_OK;
	size_t at = 0, len;

	if (imap_parse_new(NULL, &p))
		return -1;
	while (at < n && !err) {
		len = n - at < chunk ? n - at : chunk;
		err = imap_parse_feed(p, in + at, len);
		at += len;
		while (!err && !(err = imap_parse_next(p, &r)) && r)
			dump_resp(out, r);
	}
	if (err)
		fprintf(out, "ERROR %s: %s\n", otpbox_strerror(err),
		        imap_parse_errmsg(p));
	else if (imap_parse_pending(p))
		fprintf(out, "INCOMPLETE %zu bytes\n", imap_parse_pending(p));
	imap_parse_free(p);
	return 0;
}

static unsigned char *
dump_read(FILE *in, size_t *n)
{
	unsigned char *buf = malloc(DUMP_MAX_INPUT);

	*n = buf ? fread(buf, 1, DUMP_MAX_INPUT, in) : 0;
	return buf;
}

int
main(void)
{
	char *whole = NULL, *bytewise = NULL;
	size_t n, wlen = 0, blen = 0;
	unsigned char *in = dump_read(stdin, &n);
	FILE *w = open_memstream(&whole, &wlen);
	FILE *b = open_memstream(&bytewise, &blen);
	int rc = 1;

	if (!in || !w || !b || dump_run(in, n, 16384, w) ||
	    dump_run(in, n, 1, b))
		goto out;
	fclose(w);
	fclose(b);
	w = b = NULL;
	fputs(whole, stdout);
	rc = strcmp(whole, bytewise) != 0;
	if (rc)
		fprintf(stderr, "imap_dump: byte-by-byte parse differs:\n%s",
		        bytewise);
out:
	if (w)
		fclose(w);
	if (b)
		fclose(b);
	free(whole);
	free(bytewise);
	free(in);
	return rc;
}
