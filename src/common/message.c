/* SPDX-License-Identifier: MIT */
/* Understanding one raw message: ties MIME, recipients and extraction. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "extract.h"
#include "html_text.h"
#include "message.h"
#include "mime.h"
#include "recipient.h"

struct message_ctx {
	struct message_opts opts;
	struct extract_ctx *extract;
};

static void
message_errf(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errbuf || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

enum otpbox_err
message_ctx_new(const struct message_opts *opts, struct message_ctx **out,
                char *errbuf, size_t errlen)
{
	struct message_ctx *ctx;
	enum otpbox_err err;
	size_t i;

	*out = NULL;
	if (!opts) {
		message_errf(errbuf, errlen, "no options given");
		return OTPBOX_ERR_USAGE;
	}
	mime_init();
	if (!(ctx = calloc(1, sizeof(*ctx))))
		return OTPBOX_ERR_NOMEM;
	ctx->opts = *opts;
	if (ctx->opts.max_bytes == 0)
		ctx->opts.max_bytes = MESSAGE_DEFAULT_MAX_BYTES;
	err = extract_ctx_new((const char *const *)opts->custom_patterns,
	                      opts->ncustom_patterns, &ctx->extract, errbuf,
	                      errlen);
	for (i = 0; !err && i < opts->nrules; i++)
		err =
		    extract_ctx_add_rule(ctx->extract, opts->rule_from[i],
		                         opts->rule_pattern[i], errbuf, errlen);
	if (err) {
		message_ctx_free(ctx);
		return err;
	}
	*out = ctx;
	return OTPBOX_OK;
}

void
message_ctx_free(struct message_ctx *ctx)
{
	if (!ctx)
		return;
	extract_ctx_free(ctx->extract);
	free(ctx);
}

/* Scopes the operator rules by the From addr-spec: the part in the last
 * <...> of the From text, else all of it, lower-cased by extract. */
static enum otpbox_err
message_scope_rules(struct message_ctx *ctx, const char *from)
{
	const char *lt = from ? strrchr(from, '<') : NULL, *gt;
	char addr[320];

	if (!from || !ctx->opts.nrules)
		return extract_ctx_set_sender(ctx->extract, NULL);
	if (lt && (gt = strchr(lt, '>')) != NULL)
		snprintf(addr, sizeof(addr), "%.*s", (int)(gt - lt - 1),
		         lt + 1);
	else
		snprintf(addr, sizeof(addr), "%s", from + strspn(from, " "));
	addr[strcspn(addr, " ,")] = '\0';
	return extract_ctx_set_sender(ctx->extract, addr);
}

static enum otpbox_err
message_take_recipients(struct message_ctx *ctx, struct mime_doc *doc,
                        struct message_info *info)
{
	struct recipient_filter filter = {
	    .mailbox = ctx->opts.mailbox,
	    .domains = ctx->opts.domains,
	    .ndomains = ctx->opts.ndomains,
	    .max = MESSAGE_MAX_RECIPIENTS,
	    .headers = ctx->opts.recipient_headers,
	    .nheaders = ctx->opts.nrecipient_headers,
	};
	struct recipient *list;
	size_t n, i;
	bool truncated;
	enum otpbox_err err;

	err = recipient_resolve(doc->headers, doc->nheaders, &filter, &list, &n,
	                        &truncated);
	if (err)
		return err;
	if (truncated)
		mime_doc_set_error(doc, "too many recipients; first kept");
	info->recipients = calloc(n ? n : 1, sizeof(*info->recipients));
	if (!info->recipients) {
		recipient_free(list, n);
		return OTPBOX_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		info->recipients[i].address = list[i].address;
		list[i].address = NULL;
		info->recipients[i].header = strdup(list[i].header);
		info->nrecipients++;
		if (!info->recipients[i].header) {
			recipient_free(list, n);
			return OTPBOX_ERR_NOMEM;
		}
	}
	recipient_free(list, n);
	return OTPBOX_OK;
}

/* Moves the extraction result into info, best candidate first. */
static enum otpbox_err
message_take_candidates(struct extract_result *res, struct message_info *info)
{
	size_t i;

	info->candidates = calloc(res->ncandidates ? res->ncandidates : 1,
	                          sizeof(*info->candidates));
	if (!info->candidates)
		return OTPBOX_ERR_NOMEM;
	for (i = 0; i < res->ncandidates; i++) {
		struct message_candidate *c = &info->candidates[i];
		struct extract_candidate *e = &res->candidates[i];

		c->kind =
		    strdup(e->kind == EXTRACT_KIND_LINK ? "link" : "code");
		c->value = e->value;
		c->reason = e->reason;
		e->value = e->reason = NULL;
		c->score = e->score;
		c->chosen = e->chosen;
		info->ncandidates++;
		if (!c->kind)
			return OTPBOX_ERR_NOMEM;
		if (c->chosen && e->kind == EXTRACT_KIND_LINK)
			info->link = c->value;
		else if (c->chosen)
			info->code = c->value;
	}
	return OTPBOX_OK;
}

/* Turns the subject and every text part into extraction segments; HTML
 * parts become text (kept alive in html[] until extraction is done). */
static enum otpbox_err
message_segments(struct mime_doc *doc, const char *subject,
                 struct extract_segment *segs, size_t *nsegs,
                 struct html_text **html)
{
	struct extract_segment *s;
	enum otpbox_err err;
	size_t i;

	*nsegs = 0;
	if (subject) {
		segs[0].text = subject;
		segs[0].len = strlen(subject);
		segs[0].subject = true;
		(*nsegs)++;
	}
	for (i = 0; i < doc->ntexts; i++) {
		s = &segs[(*nsegs)++];
		s->forwarded = doc->texts[i].forwarded;
		s->text = doc->texts[i].text;
		s->len = doc->texts[i].len;
		if (!doc->texts[i].html)
			continue;
		err = html_text_convert(s->text, s->len, &html[i]);
		if (err)
			return err;
		s->html = true;
		s->text = html[i]->text;
		s->len = html[i]->len;
		s->links = html[i]->links;
		s->nlinks = html[i]->nlinks;
	}
	return OTPBOX_OK;
}

/* Hashes the facts two copies of one message share. Fields are separated
 * by a NUL so that no two different sets of fields run together alike. */
static enum otpbox_err
message_copy_key(struct message_info *info)
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	const char *fields[4] = {info->message_id, info->auth.from_address,
	                         info->code, info->link};
	char date[32];
	size_t i;

	if (sum == NULL)
		return OTPBOX_ERR_NOMEM;
	snprintf(date, sizeof(date), "%lld", (long long)info->date);
	g_checksum_update(sum, (const guchar *)"otpbox-copy-1", 14);
	g_checksum_update(sum, (const guchar *)date, (gssize)strlen(date) + 1);
	for (i = 0; i < 4; i++)
		g_checksum_update(
		    sum, (const guchar *)(fields[i] ? fields[i] : ""),
		    (gssize)strlen(fields[i] ? fields[i] : "") + 1);
	info->copy_key = strdup(g_checksum_get_string(sum));
	g_checksum_free(sum);
	return info->copy_key ? OTPBOX_OK : OTPBOX_ERR_NOMEM;
}

static enum otpbox_err
message_fill(struct message_ctx *ctx, struct mime_doc *doc,
             struct message_info *info)
{
	struct extract_segment segs[MIME_MAX_TEXTS + 1];
	struct html_text *html[MIME_MAX_TEXTS] = {0};
	struct extract_result *res = NULL;
	enum otpbox_err err;
	size_t nsegs, i;

	info->date = doc->date;
	info->message_id = doc->message_id;
	info->sender = doc->sender;
	info->subject = doc->subject;
	doc->message_id = doc->sender = doc->subject = NULL;
	authres_parse(doc->headers, doc->nheaders, ctx->opts.authserv_id,
	              &info->auth);
	if ((err = message_take_recipients(ctx, doc, info)))
		return err;
	memset(segs, 0, sizeof(segs));
	err = message_segments(doc, info->subject, segs, &nsegs, html);
	if (!err)
		err = message_scope_rules(ctx, info->sender);
	if (!err)
		err = extract_run(ctx->extract, segs, nsegs, &res);
	if (!err)
		err = message_take_candidates(res, info);
	if (!err)
		err = message_copy_key(info);
	extract_result_free(res);
	for (i = 0; i < MIME_MAX_TEXTS; i++)
		html_text_free(html[i]);
	return err;
}

enum otpbox_err
message_analyse(struct message_ctx *ctx, const char *raw, size_t len,
                struct message_info **out)
{
	struct message_info *info;
	struct mime_doc *doc = NULL;
	enum otpbox_err err;
	bool trimmed = false;

	*out = NULL;
	if (!ctx || (!raw && len))
		return OTPBOX_ERR_USAGE;
	if (len > ctx->opts.max_bytes) {
		len = ctx->opts.max_bytes;
		trimmed = true;
	}
	if (!(info = calloc(1, sizeof(*info))))
		return OTPBOX_ERR_NOMEM;
	if ((err = mime_parse(raw ? raw : "", len, &doc)))
		goto out;
	if (trimmed)
		mime_doc_set_error(doc, "message larger than the limit; "
		                        "only its beginning was read");
	if ((err = message_fill(ctx, doc, info)))
		goto out;
	info->error = doc->error;
	doc->error = NULL;
out:
	mime_doc_free(doc);
	if (err) {
		message_info_free(info);
		return err;
	}
	*out = info;
	return OTPBOX_OK;
}

void
message_info_free(struct message_info *info)
{
	size_t i;

	if (!info)
		return;
	for (i = 0; i < info->nrecipients; i++) {
		free(info->recipients[i].address);
		free(info->recipients[i].header);
	}
	for (i = 0; i < info->ncandidates; i++) {
		free(info->candidates[i].kind);
		free(info->candidates[i].value);
		free(info->candidates[i].reason);
	}
	free(info->recipients);
	free(info->candidates);
	free(info->message_id);
	free(info->sender);
	free(info->subject);
	free(info->error);
	free(info->copy_key);
	free(info);
}
