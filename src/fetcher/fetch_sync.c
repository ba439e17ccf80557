/* SPDX-License-Identifier: MIT */
/* Incremental folder sync: the only place messages enter the store. UIDs
 * are trusted only within the range asked for (the "n:*" quirk), bodies
 * are sized by the parser, and a batch commits with its checkpoint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "fetch_sync.h"
#include "log.h"

struct fetch_sync_cmd {
	char tag[IMAP_CLIENT_TAG_MAX];
	uint32_t lo, hi; /* hi 0: "lo:*" */
	bool done;       /* its tagged OK arrived */
};

/* The state of one run of pipelined UID FETCH commands. */
struct fetch_sync_run {
	const struct fetch_sync_ctx *ctx;
	struct imap_client *cl;
	struct fetch_sync_folder *f;
	struct fetch_sync_stats *stats;
	struct fetch_sync_cmd cmd[FETCH_SYNC_PIPELINE];
	unsigned head, count;
	uint32_t next_lo; /* first UID not yet asked for */
	uint32_t to;      /* last UID to ask for; 0: up to "*" */
	bool star_sent;
	bool in_tx;
	uint32_t max_uid; /* highest UID stored or skipped in this batch */
	char *errbuf;
	size_t errlen;
};

static void
fetch_sync_hash(const unsigned char *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (i = 0; i < n && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * i] = 0;
}

static enum otpbox_err
fetch_sync_send_one(struct fetch_sync_run *run)
{
	struct fetch_sync_cmd *c;
	char range[32];
	unsigned slot = (run->head + run->count) % FETCH_SYNC_PIPELINE;
	enum otpbox_err err;

	c = &run->cmd[slot];
	c->lo = run->next_lo;
	c->hi = 0;
	c->done = false;
	if (run->to) {
		c->hi = run->to - c->lo < run->ctx->batch
		            ? run->to
		            : c->lo + run->ctx->batch - 1;
		snprintf(range, sizeof(range), "%u:%u", c->lo, c->hi);
		run->next_lo = c->hi + 1;
	} else {
		snprintf(range, sizeof(range), "%u:*", c->lo);
		run->star_sent = true;
	}
	err = imap_client_send(run->cl, c->tag,
	                       "UID FETCH %s (UID INTERNALDATE RFC822.SIZE "
	                       "BODY.PEEK[]<0.%zu>)",
	                       range, run->ctx->max_bytes);
	if (err == OTPBOX_OK)
		run->count++;
	return err;
}

static bool
fetch_sync_more(const struct fetch_sync_run *run)
{
	if (run->ctx->stop && *run->ctx->stop)
		return false;
	return run->to ? run->next_lo <= run->to : !run->star_sent;
}

static enum otpbox_err
fetch_sync_send_more(struct fetch_sync_run *run)
{
	enum otpbox_err err = OTPBOX_OK;

	while (!err && run->count < FETCH_SYNC_PIPELINE && fetch_sync_more(run))
		err = fetch_sync_send_one(run);
	return err;
}

/* Copies the analysis into the store's shape and inserts the row. */
static enum otpbox_err
fetch_sync_insert(struct fetch_sync_run *run, struct store_fetch_msg *m,
                  const struct message_info *info, bool *stored)
{
	struct store_fetch_rcpt *rc = NULL;
	struct store_fetch_cand *cd = NULL;
	enum otpbox_err err = OTPBOX_ERR_NOMEM;
	size_t i;

	rc = calloc(info->nrecipients + 1, sizeof(*rc));
	cd = calloc(info->ncandidates + 1, sizeof(*cd));
	if (rc == NULL || cd == NULL)
		goto out;
	for (i = 0; i < info->nrecipients; i++) {
		rc[i].address = info->recipients[i].address;
		rc[i].header = info->recipients[i].header;
	}
	for (i = 0; i < info->ncandidates; i++) {
		cd[i].kind = info->candidates[i].kind;
		cd[i].value = info->candidates[i].value;
		cd[i].score = info->candidates[i].score;
		cd[i].chosen = info->candidates[i].chosen;
		cd[i].reason = info->candidates[i].reason;
	}
	m->rcpts = rc;
	m->nrcpts = info->nrecipients;
	m->cands = cd;
	m->ncands = info->ncandidates;
	err = store_fetch_insert(run->ctx->st, run->f->cp.id,
	                         run->f->cp.uidvalidity, m, stored);
out:
	free(rc);
	free(cd);
	return err;
}

/* "a@x (X-Original-To), b@x (To)" or "none", cut to fit out. */
static void
fetch_sync_rcpt_list(const struct message_info *info, char *out, size_t cap)
{
	size_t i, n = 0;
	int m;

	snprintf(out, cap, "none");
	for (i = 0; i < info->nrecipients && n < cap; i++) {
		m = snprintf(out + n, cap - n, "%s%s (from %s)", i ? ", " : "",
		             info->recipients[i].address,
		             info->recipients[i].header);
		if (m < 0)
			break;
		n += (size_t)m;
	}
}

/* -v: which header named each recipient, and which code won and why. */
static void
fetch_sync_log_decision(const struct fetch_sync_run *run, uint32_t uid,
                        const struct message_info *info, bool stored)
{
	const struct message_candidate *win = NULL;
	char rcpts[512];
	size_t i;

	if (log_get_level() < LOG_LEVEL_VERBOSE)
		return;
	for (i = 0; i < info->ncandidates && win == NULL; i++)
		if (info->candidates[i].chosen)
			win = &info->candidates[i];
	fetch_sync_rcpt_list(info, rcpts, sizeof(rcpts));
	log_verbose("%s/%s uid %u%s: recipients %s; %s %s%s%s%s",
	            run->ctx->account, run->f->name, uid,
	            stored ? "" : " (already stored)", rcpts,
	            win ? win->kind : "code", win ? win->value : "none",
	            win ? " (" : "", win && win->reason ? win->reason : "",
	            win ? ")" : "");
	if (info->error)
		log_verbose("%s/%s uid %u: parse problem: %s",
		            run->ctx->account, run->f->name, uid, info->error);
}

static void
fetch_sync_count(struct fetch_sync_run *run, const struct store_fetch_msg *m,
                 const struct message_info *info, bool stored)
{
	run->stats->fetched++;
	if (!stored) {
		run->stats->duplicates++;
		return;
	}
	run->stats->stored++;
	run->stats->errors += m->parse_error != NULL;
	run->stats->truncated += m->truncated;
	run->stats->codes += info->code || info->link;
}

/* Analyses and stores one FETCH response's message. */
static enum otpbox_err
fetch_sync_message(struct fetch_sync_run *run,
                   const struct imap_parse_fetch *fe)
{
	static const unsigned char empty[1];
	const unsigned char *body = fe->body_nil ? empty : fe->body;
	size_t len = fe->body_nil ? 0 : fe->body_len;
	struct store_fetch_msg m = {0};
	struct message_info *info = NULL;
	enum otpbox_err err;
	char hash[65];
	bool stored = false;

	err = message_analyse(run->ctx->mctx, (const char *)body, len, &info);
	if (err)
		return err;
	fetch_sync_hash(body, len, hash);
	m.uid = fe->uid;
	m.message_id = info->message_id;
	m.content_hash = hash;
	m.fetched_at = time(NULL);
	m.received_at = fe->has_internaldate ? fe->internaldate : m.fetched_at;
	m.sender = info->sender;
	m.subject = info->subject;
	m.size = fe->has_size ? (int64_t)fe->size : (int64_t)len;
	m.truncated = fe->has_size && fe->size > len;
	m.parse_error = fe->body_nil ? "the server sent no body" : info->error;
	m.code = info->code;
	m.link = info->link;
	m.auth = &info->auth;
	m.copy_key = info->copy_key;
	err = fetch_sync_insert(run, &m, info, &stored);
	if (err == OTPBOX_OK) {
		fetch_sync_count(run, &m, info, stored);
		fetch_sync_log_decision(run, fe->uid, info, stored);
	}
	message_info_free(info);
	return err;
}

/* Only a FETCH with a body for a UID we asked for is a message: "n:*"
 * also returns the highest UID below n, and flag updates come unasked. */
static bool
fetch_sync_wanted(const struct fetch_sync_run *run,
                  const struct imap_parse_fetch *fe)
{
	if (!fe->has_uid || !fe->has_body || fe->uid <= run->f->cp.last_uid)
		return false;
	if (fe->has_origin && fe->origin != 0)
		return false;
	return run->to == 0 || fe->uid <= run->to;
}

static enum otpbox_err
fetch_sync_untagged(struct fetch_sync_run *run, const struct imap_parse_resp *r)
{
	enum otpbox_err err;

	if (r->data != IMAP_PARSE_DATA_FETCH ||
	    !fetch_sync_wanted(run, &r->fetch))
		return OTPBOX_OK;
	if (!run->in_tx) {
		if ((err = store_begin(run->ctx->st)))
			return err;
		run->in_tx = true;
	}
	if (r->fetch.uid > run->max_uid)
		run->max_uid = r->fetch.uid;
	return fetch_sync_message(run, &r->fetch);
}

/*
 * Commands before and including the head are complete: commit what was
 * stored with the checkpoint moved to the last completed range. Dovecot
 * runs pipelined FETCHes in parallel, so the transaction may also hold
 * messages of later ranges; they are stored, the checkpoint just does not
 * claim them yet (a rerun finds them already there).
 */
static enum otpbox_err
fetch_sync_commit(struct fetch_sync_run *run)
{
	struct store_fetch_folder *cp = &run->f->cp;
	struct imap_client_mailbox *mb = imap_client_get_mailbox(run->cl);
	enum otpbox_err err = OTPBOX_OK;
	uint32_t upto = 0;

	while (run->count > 0 && run->cmd[run->head].done) {
		upto = run->cmd[run->head].hi ? run->cmd[run->head].hi
		                              : run->max_uid;
		run->head = (run->head + 1) % FETCH_SYNC_PIPELINE;
		run->count--;
	}
	if (!run->in_tx && upto <= cp->last_uid && mb->uidnext <= cp->uidnext)
		return OTPBOX_OK; /* nothing to write */
	if (upto > cp->last_uid)
		cp->last_uid = upto;
	if (mb->uidnext > cp->uidnext)
		cp->uidnext = mb->uidnext;
	if (!run->in_tx)
		err = store_begin(run->ctx->st);
	run->in_tx = err == OTPBOX_OK;
	if (err == OTPBOX_OK)
		err = store_fetch_checkpoint(run->ctx->st, cp, time(NULL));
	if (err == OTPBOX_OK)
		err = store_commit(run->ctx->st);
	if (err == OTPBOX_OK)
		run->in_tx = false;
	return err;
}

/* A tagged reply may complete any command in flight (servers may finish
 * pipelined commands out of order); only a completed prefix commits. */
static enum otpbox_err
fetch_sync_tagged(struct fetch_sync_run *run, const struct imap_parse_resp *r)
{
	struct fetch_sync_cmd *c = NULL;
	unsigned i;

	for (i = 0; i < run->count && c == NULL; i++) {
		c = &run->cmd[(run->head + i) % FETCH_SYNC_PIPELINE];
		if (strcmp(r->tag, c->tag) != 0)
			c = NULL;
	}
	if (c == NULL) {
		snprintf(run->errbuf, run->errlen,
		         "server answered tag %.40s, which we never sent",
		         r->tag);
		return OTPBOX_ERR_PROTOCOL;
	}
	if (r->status != IMAP_PARSE_STATUS_OK) {
		snprintf(run->errbuf, run->errlen, "UID FETCH refused: %s",
		         r->text);
		return OTPBOX_ERR_PROTOCOL;
	}
	c->done = true;
	if (c != &run->cmd[run->head])
		return OTPBOX_OK;
	return fetch_sync_commit(run);
}

static enum otpbox_err
fetch_sync_loop(struct fetch_sync_run *run)
{
	const struct imap_parse_resp *r;
	enum otpbox_err err = fetch_sync_send_more(run);

	while (err == OTPBOX_OK && run->count > 0) {
		err = imap_client_next(run->cl, -1, &r);
		if (err == OTPBOX_ERR_INTERRUPTED) {
			err = OTPBOX_OK;
			continue;
		}
		if (err) {
			snprintf(run->errbuf, run->errlen, "%s",
			         imap_client_errmsg(run->cl));
			break;
		}
		if (r->type == IMAP_PARSE_UNTAGGED)
			err = fetch_sync_untagged(run, r);
		else if (r->type == IMAP_PARSE_TAGGED)
			err = fetch_sync_tagged(run, r);
		if (err == OTPBOX_OK && run->ctx->stop && *run->ctx->stop &&
		    r->type == IMAP_PARSE_TAGGED)
			return OTPBOX_ERR_INTERRUPTED;
		if (err == OTPBOX_OK && r->type == IMAP_PARSE_TAGGED)
			err = fetch_sync_send_more(run);
	}
	return err;
}

static enum otpbox_err
fetch_sync_range(const struct fetch_sync_ctx *ctx, struct imap_client *cl,
                 struct fetch_sync_folder *f, uint32_t to,
                 struct fetch_sync_stats *stats, char *errbuf, size_t errlen)
{
	struct fetch_sync_run run = {
	    .ctx = ctx,
	    .cl = cl,
	    .f = f,
	    .stats = stats,
	    .next_lo = (uint32_t)f->cp.last_uid + 1,
	    .to = to,
	    .errbuf = errbuf,
	    .errlen = errlen,
	};
	enum otpbox_err err;

	if (errbuf && errlen)
		errbuf[0] = 0;
	err = fetch_sync_loop(&run);
	if (run.in_tx)
		store_rollback(ctx->st);
	if (err && err != OTPBOX_ERR_INTERRUPTED && errbuf && !errbuf[0])
		snprintf(errbuf, errlen, "%s: %s", otpbox_strerror(err),
		         store_errmsg(ctx->st));
	return err;
}

/* Stores a new UIDVALIDITY (and the reset checkpoint) on its own. */
static enum otpbox_err
fetch_sync_save_checkpoint(const struct fetch_sync_ctx *ctx,
                           const struct store_fetch_folder *cp)
{
	enum otpbox_err err = store_begin(ctx->st);

	if (err == OTPBOX_OK)
		err = store_fetch_checkpoint(ctx->st, cp, time(NULL));
	if (err == OTPBOX_OK)
		err = store_commit(ctx->st);
	if (err)
		store_rollback(ctx->st);
	return err;
}

enum otpbox_err
fetch_sync_folder(const struct fetch_sync_ctx *ctx, struct imap_client *cl,
                  struct fetch_sync_folder *f, struct fetch_sync_stats *stats,
                  char *errbuf, size_t errlen)
{
	struct imap_client_mailbox *mb;
	enum otpbox_err err;

	err = store_fetch_folder_get(ctx->st, ctx->account, ctx->user,
	                             ctx->host, f->name, &f->cp);
	if (err) {
		snprintf(errbuf, errlen, "database: %s", store_errmsg(ctx->st));
		return err;
	}
	if ((err = imap_client_examine(cl, f->name, errbuf, errlen)))
		return err;
	mb = imap_client_get_mailbox(cl);
	mb->changed = false;
	if (f->cp.uidvalidity != mb->uidvalidity) {
		if (f->cp.uidvalidity != 0)
			log_warnx("%s/%s: UIDVALIDITY changed from %lld to %u; "
			          "re-reading the folder (messages already "
			          "stored are kept once)",
			          ctx->account, f->name,
			          (long long)f->cp.uidvalidity,
			          mb->uidvalidity);
		f->cp.uidvalidity = mb->uidvalidity;
		f->cp.last_uid = 0;
		f->cp.uidnext = 0;
		if ((err = fetch_sync_save_checkpoint(ctx, &f->cp)))
			return err;
	}
	if (mb->exists == 0 ||
	    (mb->uidnext != 0 && mb->uidnext <= f->cp.last_uid + 1))
		return OTPBOX_OK;
	return fetch_sync_range(ctx, cl, f, mb->uidnext ? mb->uidnext - 1 : 0,
	                        stats, errbuf, errlen);
}

enum otpbox_err
fetch_sync_new(const struct fetch_sync_ctx *ctx, struct imap_client *cl,
               struct fetch_sync_folder *f, struct fetch_sync_stats *stats,
               char *errbuf, size_t errlen)
{
	struct imap_client_mailbox *mb = imap_client_get_mailbox(cl);

	mb->changed = false;
	if (mb->exists == 0)
		return OTPBOX_OK;
	return fetch_sync_range(ctx, cl, f, 0, stats, errbuf, errlen);
}
