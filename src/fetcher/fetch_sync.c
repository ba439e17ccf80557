/* SPDX-License-Identifier: MIT */
/* Incremental folder sync: the only place messages enter the store. UIDs
 * are trusted only within the range asked for (the "n:*" quirk), bodies
 * are sized by the parser, and a batch commits with its checkpoint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "fetch_parts.h"
#include "fetch_sync.h"
#include "log.h"
#include "fetch_progress.h"

struct fetch_sync_cmd {
	char tag[IMAP_CLIENT_TAG_MAX];
	uint32_t lo, hi;  /* hi 0: "lo:*" */
	bool done;        /* its tagged OK arrived */
	unsigned waiting; /* its large messages whose parts are due */
};

/* A message too large to come whole in the first FETCH: its parts are
 * asked for once the FETCH that found it is complete. */
struct fetch_sync_later {
	uint32_t uid;
	unsigned slot; /* of the UID FETCH command that found it */
	bool has_date, has_size;
	time_t date;
	uint64_t size;
	char tag[IMAP_CLIENT_TAG_MAX]; /* of its parts' FETCH; "" unsent */
	bool finished;                 /* stored, its FETCH answered */
	struct fetch_parts_plan plan;
	struct fetch_parts_got got; /* the parts received so far */
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
	struct fetch_sync_later *later; /* large messages in flight */
	size_t nlater, later_cap;
	size_t whole_max; /* N of the first FETCH's BODY.PEEK[]<0.N> */
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
	c->waiting = 0;
	/* One round trip for the common case: a message below whole_max
	 * comes whole; BODYSTRUCTURE says what to ask of a larger one. */
	err = imap_client_send(run->cl, c->tag,
	                       "UID FETCH %s (UID INTERNALDATE RFC822.SIZE "
	                       "BODYSTRUCTURE BODY.PEEK[]<0.%zu>)",
	                       range, run->whole_max);
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
	fetch_progress_step(run->stats->fetched);
	if (!stored) {
		run->stats->duplicates++;
		return;
	}
	run->stats->stored++;
	run->stats->errors += m->parse_error != NULL;
	run->stats->truncated += m->truncated;
	run->stats->codes += info->code || info->link;
}

/* What the first FETCH said about a message besides its body. */
struct fetch_sync_meta {
	uint32_t uid;
	bool has_date, has_size;
	time_t date;
	uint64_t size;
};

/* Analyses and stores one message's bytes (whole or rebuilt). */
static enum otpbox_err
fetch_sync_store(struct fetch_sync_run *run, const struct fetch_sync_meta *mt,
                 const unsigned char *body, size_t len, bool truncated,
                 const char *skipped, const char *problem)
{
	struct store_fetch_msg m = {0};
	struct message_info *info = NULL;
	enum otpbox_err err;
	char hash[65];
	bool stored = false;

	err = message_analyse(run->ctx->mctx, (const char *)body, len, &info);
	if (err)
		return err;
	fetch_sync_hash(body, len, hash);
	m.uid = mt->uid;
	m.message_id = info->message_id;
	m.content_hash = hash;
	m.fetched_at = time(NULL);
	m.received_at = mt->has_date ? mt->date : m.fetched_at;
	m.sender = info->sender;
	m.subject = info->subject;
	m.size = mt->has_size ? (int64_t)mt->size : (int64_t)len;
	m.truncated = truncated;
	m.skipped = skipped && *skipped ? skipped : NULL;
	m.parse_error = problem ? problem : info->error;
	m.code = info->code;
	m.link = info->link;
	m.auth = &info->auth;
	m.copy_key = info->copy_key;
	err = fetch_sync_insert(run, &m, info, &stored);
	if (err == OTPBOX_OK) {
		fetch_sync_count(run, &m, info, stored);
		fetch_sync_log_decision(run, mt->uid, info, stored);
		if (m.skipped)
			log_verbose("%s/%s uid %u: not fetched: %s",
			            run->ctx->account, run->f->name, mt->uid,
			            m.skipped);
	}
	message_info_free(info);
	return err;
}

static void
fetch_sync_meta_of(const struct imap_parse_fetch *fe,
                   struct fetch_sync_meta *mt)
{
	mt->uid = fe->uid;
	mt->has_date = fe->has_internaldate;
	mt->date = fe->internaldate;
	mt->has_size = fe->has_size;
	mt->size = fe->size;
}

/* A message that came whole in the first FETCH. */
static enum otpbox_err
fetch_sync_message(struct fetch_sync_run *run,
                   const struct imap_parse_fetch *fe)
{
	static const unsigned char empty[1];
	struct fetch_sync_meta mt;

	fetch_sync_meta_of(fe, &mt);
	return fetch_sync_store(run, &mt, fe->body_nil ? empty : fe->body,
	                        fe->body_nil ? 0 : fe->body_len, false, NULL,
	                        fe->body_nil ? "the server sent no body"
	                                     : NULL);
}

/* The in-flight UID FETCH whose range holds uid, or -1. */
static int
fetch_sync_slot_of(const struct fetch_sync_run *run, uint32_t uid)
{
	const struct fetch_sync_cmd *c;
	unsigned i, slot;

	for (i = 0; i < run->count; i++) {
		slot = (run->head + i) % FETCH_SYNC_PIPELINE;
		c = &run->cmd[slot];
		if (uid >= c->lo && (c->hi == 0 || uid <= c->hi))
			return (int)slot;
	}
	return -1;
}

/* A message at least whole_max long: plan its parts for later. */
static enum otpbox_err
fetch_sync_defer(struct fetch_sync_run *run, const struct imap_parse_fetch *fe)
{
	struct fetch_sync_later *l;
	int slot = fetch_sync_slot_of(run, fe->uid);
	size_t i, cap;

	for (i = 0; i < run->nlater; i++)
		if (run->later[i].uid == fe->uid)
			return OTPBOX_OK; /* sent twice: planned already */
	if (slot < 0)
		return fetch_sync_message(run, fe);
	if (run->nlater == run->later_cap) {
		cap = run->later_cap ? 2 * run->later_cap : 8;
		l = realloc(run->later, cap * sizeof(*l));
		if (l == NULL)
			return OTPBOX_ERR_NOMEM;
		run->later = l;
		run->later_cap = cap;
	}
	l = &run->later[run->nlater++];
	memset(l, 0, sizeof(*l));
	l->uid = fe->uid;
	l->slot = (unsigned)slot;
	l->has_date = fe->has_internaldate;
	l->date = fe->internaldate;
	l->has_size = fe->has_size;
	l->size = fe->size;
	fetch_parts_plan(fe, run->ctx->max_bytes, &l->plan);
	run->cmd[slot].waiting++;
	return OTPBOX_OK;
}

/* Asks, pipelined, for the parts of every large message found by the
 * command in slot (one round trip for them all, not one each). */
static enum otpbox_err
fetch_sync_send_later(struct fetch_sync_run *run, unsigned slot)
{
	char items[FETCH_PARTS_ITEMS_MAX];
	struct fetch_sync_later *l;
	enum otpbox_err err = OTPBOX_OK;
	size_t i;

	for (i = 0; i < run->nlater && err == OTPBOX_OK; i++) {
		l = &run->later[i];
		if (l->slot != slot || l->tag[0] || l->finished)
			continue;
		err = fetch_parts_items(&l->plan, items, sizeof(items));
		if (err == OTPBOX_OK)
			err = imap_client_send(run->cl, l->tag,
			                       "UID FETCH %u (UID %s)", l->uid,
			                       items);
	}
	return err;
}

/* The large message whose parts' FETCH is out for uid, or NULL. */
static struct fetch_sync_later *
fetch_sync_later_of(struct fetch_sync_run *run, uint32_t uid)
{
	size_t i;

	for (i = 0; i < run->nlater; i++)
		if (run->later[i].uid == uid && run->later[i].tag[0] &&
		    !run->later[i].finished)
			return &run->later[i];
	return NULL;
}

/* Rebuilds a large message from its parts and stores it. A server that
 * answered OK but sent nothing (Exchange does, for messages it cannot
 * convert) still gets the message stored, with the problem, so the UID
 * is accounted for and nothing is silently lost. */
static enum otpbox_err
fetch_sync_later_store(struct fetch_sync_run *run, struct fetch_sync_later *l)
{
	struct fetch_sync_meta mt = {l->uid, l->has_date, l->has_size, l->date,
	                             l->size};
	enum otpbox_err err;
	char *raw = NULL;
	size_t len;
	bool cut;

	err = fetch_parts_build(&l->plan, &l->got, &raw, &len, &cut);
	if (err == OTPBOX_OK)
		err = fetch_sync_store(
		    run, &mt, (const unsigned char *)raw, len, cut,
		    l->plan.skipped,
		    l->got.n ? NULL : "the server sent none of its parts");
	if (err == OTPBOX_OK && l->got.n)
		run->stats->partial++;
	free(raw);
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
fetch_sync_begin(struct fetch_sync_run *run)
{
	enum otpbox_err err;

	if (run->in_tx)
		return OTPBOX_OK;
	if ((err = store_begin(run->ctx->st)))
		return err;
	run->in_tx = true;
	return OTPBOX_OK;
}

static enum otpbox_err
fetch_sync_untagged(struct fetch_sync_run *run, const struct imap_parse_resp *r)
{
	const struct imap_parse_fetch *fe = &r->fetch;
	struct fetch_sync_later *l;
	enum otpbox_err err;

	if (r->data != IMAP_PARSE_DATA_FETCH)
		return OTPBOX_OK;
	/* The parts may come in several responses, after a flag update for
	 * the same UID: keep them until the command's tagged reply. */
	if (fe->has_uid && (l = fetch_sync_later_of(run, fe->uid)) != NULL)
		return fetch_parts_take(&l->got, fe);
	if (!fetch_sync_wanted(run, fe))
		return OTPBOX_OK;
	if ((err = fetch_sync_begin(run)))
		return err;
	if (fe->uid > run->max_uid)
		run->max_uid = fe->uid;
	if (!fe->body_nil && fe->body_len >= run->whole_max)
		return fetch_sync_defer(run, fe);
	return fetch_sync_message(run, fe);
}

/* Drops the large messages that are stored and answered. */
static void
fetch_sync_later_compact(struct fetch_sync_run *run)
{
	size_t i, n = 0;

	for (i = 0; i < run->nlater; i++)
		if (!run->later[i].finished)
			run->later[n++] = run->later[i];
	run->nlater = n;
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

	while (run->count > 0 && run->cmd[run->head].done &&
	       run->cmd[run->head].waiting == 0) {
		upto = run->cmd[run->head].hi ? run->cmd[run->head].hi
		                              : run->max_uid;
		run->head = (run->head + 1) % FETCH_SYNC_PIPELINE;
		run->count--;
	}
	fetch_sync_later_compact(run);
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

/* The tagged reply to a large message's parts: it is complete. */
static enum otpbox_err
fetch_sync_later_done(struct fetch_sync_run *run, struct fetch_sync_later *l,
                      const struct imap_parse_resp *r)
{
	enum otpbox_err err;

	if (r->status != IMAP_PARSE_STATUS_OK) {
		snprintf(run->errbuf, run->errlen, "UID FETCH refused: %s",
		         r->text);
		return OTPBOX_ERR_PROTOCOL;
	}
	err = fetch_sync_begin(run);
	if (err == OTPBOX_OK)
		err = fetch_sync_later_store(run, l);
	fetch_parts_got_free(&l->got);
	if (err)
		return err;
	l->finished = true;
	run->cmd[l->slot].waiting--;
	return l->slot == run->head ? fetch_sync_commit(run) : OTPBOX_OK;
}

static struct fetch_sync_later *
fetch_sync_later_tag(struct fetch_sync_run *run, const char *tag)
{
	size_t i;

	for (i = 0; i < run->nlater; i++)
		if (!run->later[i].finished && run->later[i].tag[0] &&
		    strcmp(run->later[i].tag, tag) == 0)
			return &run->later[i];
	return NULL;
}

/* A tagged reply may complete any command in flight (servers may finish
 * pipelined commands out of order); only a completed prefix commits. A
 * UID FETCH that found large messages is complete when their parts are
 * stored too. */
static enum otpbox_err
fetch_sync_tagged(struct fetch_sync_run *run, const struct imap_parse_resp *r)
{
	struct fetch_sync_later *l = fetch_sync_later_tag(run, r->tag);
	struct fetch_sync_cmd *c = NULL;
	enum otpbox_err err;
	unsigned i;

	if (l)
		return fetch_sync_later_done(run, l, r);
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
	if (c->waiting &&
	    (err = fetch_sync_send_later(run, (unsigned)(c - run->cmd))))
		return err;
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
	    .whole_max = ctx->max_bytes < FETCH_SYNC_WHOLE_MAX
	                     ? ctx->max_bytes
	                     : FETCH_SYNC_WHOLE_MAX,
	    .errbuf = errbuf,
	    .errlen = errlen,
	};
	enum otpbox_err err;

	if (errbuf && errlen)
		errbuf[0] = 0;
	fetch_progress_begin(ctx->account, f->name, f->cp.last_uid, to,
	                     imap_client_get_mailbox(cl)->exists);
	err = fetch_sync_loop(&run);
	fetch_progress_end();
	if (run.in_tx)
		store_rollback(ctx->st);
	for (size_t i = 0; i < run.nlater; i++)
		fetch_parts_got_free(&run.later[i].got);
	free(run.later);
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
