/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the IMAP response parser must never crash, and
 * must return the same responses however the input is cut into chunks.
 * Run from a build dir configured with CC=clang --enable-fuzz:
 *   mkdir -p corpus && tests/fuzz/fuzz_imap -dict=../tests/fuzz/imap.dict \
 *       -max_len=4096 -max_total_time=600 corpus
 * The first input byte picks how many of the next bytes give chunk sizes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap_cmd.h"
#include "imap_date.h"
#include "imap_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* FNV-1a over everything a response tells the caller. */
struct digest {
	uint64_t h;
	enum otpbox_err err;
	size_t count;
};

static void
mix(struct digest *d, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		d->h ^= b[i];
		d->h *= 1099511628211ull;
	}
}

static void
mix_str(struct digest *d, const char *s)
{
	mix(d, s, strlen(s) + 1);
}

/* BODYSTRUCTURE leaves and BODY[section] items: the chunking check then
 * covers them, and ASan sees every string read. */
static void
mix_parts(struct digest *d, const struct imap_parse_fetch *f)
{
	size_t i;

	mix(d, &f->has_bodystructure, sizeof(f->has_bodystructure));
	mix(d, &f->multipart, sizeof(f->multipart));
	mix(d, &f->parts_omitted, sizeof(f->parts_omitted));
	for (i = 0; i < f->nparts; i++) {
		mix_str(d, f->parts[i].section);
		mix_str(d, f->parts[i].type);
		mix_str(d, f->parts[i].subtype);
		mix_str(d, f->parts[i].charset);
		mix_str(d, f->parts[i].encoding);
		mix_str(d, f->parts[i].disposition);
		mix_str(d, f->parts[i].filename);
		mix(d, &f->parts[i].size, sizeof(f->parts[i].size));
	}
	for (i = 0; i < f->nsections; i++) {
		mix_str(d, f->sections[i].name);
		mix(d, &f->sections[i].origin, sizeof(f->sections[i].origin));
		mix(d, f->sections[i].data, f->sections[i].len);
	}
}

static void
mix_fetch(struct digest *d, const struct imap_parse_fetch *f)
{
	int64_t t = (int64_t)f->internaldate;

	mix(d, &f->has_uid, sizeof(f->has_uid));
	mix(d, &f->uid, sizeof(f->uid));
	mix(d, &f->has_internaldate, sizeof(f->has_internaldate));
	mix(d, &t, sizeof(t));
	mix(d, &f->size, sizeof(f->size));
	mix_str(d, f->flags);
	mix(d, &f->body_nil, sizeof(f->body_nil));
	mix(d, &f->body_len, sizeof(f->body_len));
	if (f->has_body)
		mix(d, f->body, f->body_len);
	mix(d, &f->origin, sizeof(f->origin));
	mix_parts(d, f);
}

static void
mix_resp(struct digest *d, const struct imap_parse_resp *r)
{
	mix(d, &r->type, sizeof(r->type));
	mix(d, &r->status, sizeof(r->status));
	mix(d, &r->code, sizeof(r->code));
	mix(d, &r->code_number, sizeof(r->code_number));
	mix(d, &r->data, sizeof(r->data));
	mix(d, &r->number, sizeof(r->number));
	mix(d, &r->caps, sizeof(r->caps));
	mix_str(d, r->tag);
	mix_str(d, r->code_text);
	mix_str(d, r->text);
	mix_str(d, r->cap_list);
	mix(d, r->search, r->nsearch * sizeof(*r->search));
	mix(d, r->raw, r->raw_len);
	mix_fetch(d, &r->fetch);
	(void)imap_parse_has_capability(r, "IDLE");
	d->count++;
}

/* Feeds data in chunks of the sizes in cuts (cycled; none: max_line). */
static void
run(const uint8_t *data, size_t size, const uint8_t *cuts, size_t ncuts,
    struct digest *d)
{
	static const struct imap_parse_limits lim = {
	    .max_line = 512,
	    .max_literal = 2048,
	    .max_response = 4096,
	    .max_items = 64,
	};
	const struct imap_parse_resp *r;
	struct imap_parse *p = NULL;
	size_t at = 0, k = 0, n;

	memset(d, 0, sizeof(*d));
	d->h = 14695981039346656037ull;
	if (imap_parse_new(&lim, &p))
		abort();
	while (at < size && !d->err) {
		n = ncuts ? (size_t)cuts[k++ % ncuts] + 1 : lim.max_line;
		if (n > size - at)
			n = size - at;
		d->err = imap_parse_feed(p, data + at, n);
		at += n;
		while (!d->err && !(d->err = imap_parse_next(p, &r)) && r)
			mix_resp(d, r);
	}
	imap_parse_free(p);
}

/* Mailbox names from configuration: any bytes, never past the buffer. */
static void
fuzz_mailbox(const uint8_t *data, size_t size)
{
	char name[256], out[128];
	size_t n = size < sizeof(name) - 1 ? size : sizeof(name) - 1;

	memcpy(name, data, n);
	name[n] = '\0';
	if (imap_cmd_mailbox(name, out, sizeof(out)) == OTPBOX_OK &&
	    (out[0] != '"' || strlen(out) >= sizeof(out)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest whole, chunked;
	size_t ncuts;
	time_t t;

	if (size < 1)
		return 0;
	ncuts = data[0] % 8;
	if (ncuts >= size)
		return 0;
	run(data + 1 + ncuts, size - 1 - ncuts, NULL, 0, &whole);
	run(data + 1 + ncuts, size - 1 - ncuts, data + 1, ncuts, &chunked);
	/* Chunks of at most max_line keep under the feed cap: must agree. */
	if (whole.count != chunked.count || whole.h != chunked.h ||
	    whole.err != chunked.err)
		abort();
	(void)imap_date_parse((const char *)data, size, &t);
	fuzz_mailbox(data, size);
	return 0;
}
