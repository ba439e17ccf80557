/* SPDX-License-Identifier: MIT */
/* libotpbox: the wait, claim and peek calls behind `otpbox wait`, for C
 * bots and forked workers. Sleeps on the store's change feed for its own
 * address, looks when PRAGMA data_version says something changed, and
 * never holds a read transaction while asleep. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "otpbox.h"
#include "store_conf.h"
#include "store_miss.h"
#include "store_wait.h"

/* Longest address accepted (RFC 5321 path limit). */
#define OTPBOX_ADDRESS_MAX 254
/* With a server store, the longest sleep between two looks when no
 * notification comes (a writer that does not announce). */

/* Most sender patterns one wait takes (--from is repeatable). */
#define OTPBOX_FROM_MAX 32
/* Longest subject text or sender pattern, and worker name. */
#define OTPBOX_TEXT_MAX 255
#define OTPBOX_WORKER_MAX 127

struct otpbox_wait_opts {
	int64_t since; /* Unix seconds; 0: no bound but max_age */
	int max_age;   /* seconds (> 0): oldest code accepted */
	int skew;      /* seconds taken off since; OTPBOX_SKEW_MEASURED */
	int timeout_ms;
	enum otpbox_want want;
	int peek;
	char *worker; /* NULL: "pid N" */
	int cancel_fd;
	char *from[OTPBOX_FROM_MAX]; /* lower-cased sender patterns */
	size_t nfrom;
	char *subject; /* NULL: any */
	int authenticated;
};

struct otpbox {
	struct store *st;
	int64_t last_wait_id; /* waits.id of the last call; 0: none */
	char miss_reason[64];
	char errmsg[512];
};

/* The fixed facts of one wait; q points into the buffers. */
struct otpbox_call {
	struct store_wait_query q;
	char address[OTPBOX_ADDRESS_MAX + 1]; /* lower-cased */
	/* ["p1","p2",...]: patterns hold no quote, backslash or control. */
	char from_json[OTPBOX_FROM_MAX * (OTPBOX_TEXT_MAX + 3) + 3];
	int skew; /* seconds taken off since */
	int64_t wait_id;
	char claimed_by[OTPBOX_WORKER_MAX + 1];
};

/* Opens the store for a NULL argument as the command line resolves it:
 * the configured database, with its configured password. */
static enum otpbox_err
otpbox_open_default(struct store **st, char *errbuf, size_t errlen)
{
	struct conf *conf = NULL;
	char *errors = NULL;
	enum otpbox_err err;

	/* Never ./.env: the caller's working directory is not ours. */
	err = conf_load_flags(NULL, 0, &conf, &errors);
	if (err) {
		snprintf(errbuf, errlen, "%s",
		         errors ? errors : "bad configuration");
		goto out;
	}
	err = store_conf_open(conf, conf_database(conf, NULL), false, st,
	                      errbuf, errlen);
out:
	free(errors);
	conf_free(conf);
	return err;
}

enum otpbox_err
otpbox_open(const char *path, struct otpbox **out, char *errbuf, size_t errlen)
{
	char scratch[1];
	struct otpbox *box = NULL;
	enum otpbox_err err = OTPBOX_OK;

	if (errbuf == NULL || errlen == 0) {
		errbuf = scratch;
		errlen = sizeof(scratch);
	}
	*errbuf = '\0';
	*out = NULL;
	if ((box = calloc(1, sizeof(*box))) == NULL) {
		err = OTPBOX_ERR_NOMEM;
		goto out;
	}
	if (path)
		err = store_open(path, false, &box->st, errbuf, errlen);
	else
		err = otpbox_open_default(&box->st, errbuf, errlen);
	if (!err)
		store_wait_retry_often(box->st);
out:
	if (err) {
		otpbox_close(box);
		return err;
	}
	*out = box;
	return OTPBOX_OK;
}

void
otpbox_close(struct otpbox *box)
{
	if (box == NULL)
		return;
	store_close(box->st);
	free(box);
}

const char *
otpbox_errmsg(const struct otpbox *box)
{
	return box->errmsg;
}

static void
otpbox_wait_opts_defaults(struct otpbox_wait_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->max_age = OTPBOX_DEFAULT_MAX_AGE;
	opts->skew = OTPBOX_SKEW_MEASURED;
	opts->timeout_ms = OTPBOX_DEFAULT_TIMEOUT_MS;
	opts->want = OTPBOX_WANT_CODE;
	opts->cancel_fd = -1;
}

enum otpbox_err
otpbox_wait_opts_new(struct otpbox_wait_opts **out)
{
	*out = malloc(sizeof(**out));
	if (*out == NULL)
		return OTPBOX_ERR_NOMEM;
	otpbox_wait_opts_defaults(*out);
	return OTPBOX_OK;
}

void
otpbox_wait_opts_free(struct otpbox_wait_opts *opts)
{
	size_t i;

	if (opts == NULL)
		return;
	for (i = 0; i < opts->nfrom; i++)
		free(opts->from[i]);
	free(opts->worker);
	free(opts->subject);
	free(opts);
}

enum otpbox_err
otpbox_wait_opts_set_since(struct otpbox_wait_opts *opts, int64_t unix_seconds)
{
	if (unix_seconds < 0)
		return OTPBOX_ERR_USAGE;
	opts->since = unix_seconds;
	return OTPBOX_OK;
}

enum otpbox_err
otpbox_wait_opts_set_max_age(struct otpbox_wait_opts *opts, int seconds)
{
	if (seconds <= 0)
		return OTPBOX_ERR_USAGE;
	opts->max_age = seconds;
	return OTPBOX_OK;
}

enum otpbox_err
otpbox_wait_opts_set_skew(struct otpbox_wait_opts *opts, int seconds)
{
	if (seconds < OTPBOX_SKEW_MEASURED)
		return OTPBOX_ERR_USAGE;
	opts->skew = seconds;
	return OTPBOX_OK;
}

enum otpbox_err
otpbox_wait_opts_set_timeout_ms(struct otpbox_wait_opts *opts, int ms)
{
	if (ms < 0)
		return OTPBOX_ERR_USAGE;
	opts->timeout_ms = ms;
	return OTPBOX_OK;
}

enum otpbox_err
otpbox_wait_opts_set_want(struct otpbox_wait_opts *opts, enum otpbox_want want)
{
	if ((unsigned)want > OTPBOX_WANT_ANY)
		return OTPBOX_ERR_USAGE;
	opts->want = want;
	return OTPBOX_OK;
}

enum otpbox_err
otpbox_wait_opts_set_peek(struct otpbox_wait_opts *opts, int peek)
{
	opts->peek = peek != 0;
	return OTPBOX_OK;
}

/* Replaces *slot with a copy of text (NULL or "" clears it) when text is
 * printable and not too long. */
static enum otpbox_err
otpbox_set_text(char **slot, const char *text)
{
	char *copy = NULL;
	const char *p;

	if (text && strlen(text) > OTPBOX_TEXT_MAX)
		return OTPBOX_ERR_USAGE;
	for (p = text; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return OTPBOX_ERR_USAGE;
	if (text && *text && (copy = strdup(text)) == NULL)
		return OTPBOX_ERR_NOMEM;
	free(*slot);
	*slot = copy;
	return OTPBOX_OK;
}

enum otpbox_err
otpbox_wait_opts_set_worker(struct otpbox_wait_opts *opts, const char *worker)
{
	/* It must fit otpbox_call.claimed_by. */
	if (worker && strlen(worker) > OTPBOX_WORKER_MAX)
		return OTPBOX_ERR_USAGE;
	return otpbox_set_text(&opts->worker, worker);
}

enum otpbox_err
otpbox_wait_opts_set_cancel_fd(struct otpbox_wait_opts *opts, int fd)
{
	if (fd < -1)
		return OTPBOX_ERR_USAGE;
	opts->cancel_fd = fd;
	return OTPBOX_OK;
}

/* A sender pattern: printable ASCII or UTF-8 without spaces, quotes or
 * brackets, at most one @, not starting or ending with a dot. */
static int
otpbox_pattern_ok(const char *p)
{
	size_t len = strlen(p);
	const char *at = strchr(p, '@');

	if (len == 0 || len > OTPBOX_TEXT_MAX || p[0] == '.' ||
	    p[len - 1] == '.' || p[len - 1] == '@' ||
	    (at && strchr(at + 1, '@')))
		return 0;
	for (; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f ||
		    strchr("\"(),:;<>[\\]", *p))
			return 0;
	return 1;
}

enum otpbox_err
otpbox_wait_opts_add_from(struct otpbox_wait_opts *opts, const char *pattern)
{
	char *copy;
	size_t i;

	if (pattern == NULL || !otpbox_pattern_ok(pattern) ||
	    opts->nfrom == OTPBOX_FROM_MAX)
		return OTPBOX_ERR_USAGE;
	if ((copy = strdup(pattern)) == NULL)
		return OTPBOX_ERR_NOMEM;
	/* Stored addresses and domains are lower-cased (ASCII). */
	for (i = 0; copy[i]; i++)
		copy[i] = (char)tolower((unsigned char)copy[i]);
	opts->from[opts->nfrom++] = copy;
	return OTPBOX_OK;
}

enum otpbox_err
otpbox_wait_opts_set_subject(struct otpbox_wait_opts *opts, const char *text)
{
	return otpbox_set_text(&opts->subject, text);
}

enum otpbox_err
otpbox_wait_opts_set_authenticated(struct otpbox_wait_opts *opts, int required)
{
	opts->authenticated = required != 0;
	return OTPBOX_OK;
}

/* Characters allowed in an address: printable ASCII and UTF-8 bytes, but
 * no space, no quote or bracket that marks a display name, no second @. */
static int
otpbox_address_char_ok(unsigned char c)
{
	return c > 0x20 && c != 0x7f && !strchr("\"(),:;<>[\\]", c);
}

enum otpbox_err
otpbox_address_check(const char *address)
{
	const char *at, *p;
	size_t len;

	if (address == NULL || (len = strlen(address)) == 0 ||
	    len > OTPBOX_ADDRESS_MAX)
		return OTPBOX_ERR_BAD_ADDRESS;
	at = strchr(address, '@');
	if (at == NULL || at == address || strchr(at + 1, '@') ||
	    at[1] == '\0' || at[1] == '.' || address[len - 1] == '.' ||
	    strstr(at, ".."))
		return OTPBOX_ERR_BAD_ADDRESS;
	for (p = address; *p; p++)
		if (!otpbox_address_char_ok((unsigned char)*p))
			return OTPBOX_ERR_BAD_ADDRESS;
	return OTPBOX_OK;
}

static enum otpbox_err
otpbox_fail(struct otpbox *box, enum otpbox_err err, const char *what)
{
	snprintf(box->errmsg, sizeof(box->errmsg), "%s: %s", what,
	         err == OTPBOX_ERR_DB || err == OTPBOX_ERR_BUSY ||
	                 err == OTPBOX_ERR_IO || err == OTPBOX_ERR_NET
	             ? store_errmsg(box->st)
	             : otpbox_strerror(err));
	return err;
}

/* The sender patterns of opts as a JSON array in call->from_json. */
static void
otpbox_call_from(const struct otpbox_wait_opts *opts, struct otpbox_call *call)
{
	size_t i, n = 0;

	if (opts->nfrom == 0)
		return;
	call->from_json[n++] = '[';
	for (i = 0; i < opts->nfrom; i++)
		n += (size_t)snprintf(call->from_json + n,
		                      sizeof(call->from_json) - n, "%s\"%s\"",
		                      i ? "," : "", opts->from[i]);
	snprintf(call->from_json + n, sizeof(call->from_json) - n, "]");
	call->q.from_json = call->from_json;
}

/* Checks address and works out the window and the filters. */
static enum otpbox_err
otpbox_call_init(struct otpbox *box, const char *address,
                 const struct otpbox_wait_opts *opts, struct otpbox_call *call)
{
	static const char *const wants[] = {
	    STORE_WAIT_WANT_CODE, STORE_WAIT_WANT_LINK, STORE_WAIT_WANT_ANY};
	int64_t now = time(NULL);
	enum otpbox_err err;
	int samples;
	size_t i;

	memset(call, 0, sizeof(*call));
	if (otpbox_address_check(address))
		return otpbox_fail(box, OTPBOX_ERR_BAD_ADDRESS,
		                   address ? address : "(null)");
	for (i = 0; address[i]; i++)
		call->address[i] = (char)tolower((unsigned char)address[i]);
	call->skew = opts->skew;
	if (opts->since && opts->skew == OTPBOX_SKEW_MEASURED &&
	    (err = store_wait_skew(box->st, &call->skew, &samples)))
		return otpbox_fail(box, err, "cannot measure the clock skew");
	call->q.address = call->address;
	call->q.want = wants[opts->want];
	call->q.window_start = now - opts->max_age;
	if (opts->since && opts->since - call->skew > call->q.window_start)
		call->q.window_start = opts->since - call->skew;
	otpbox_call_from(opts, call);
	call->q.subject = opts->subject;
	call->q.authenticated = opts->authenticated;
	if (opts->worker)
		snprintf(call->claimed_by, sizeof(call->claimed_by), "%s",
		         opts->worker);
	else
		snprintf(call->claimed_by, sizeof(call->claimed_by), "pid %ld",
		         (long)getpid());
	return OTPBOX_OK;
}

/* One look: the code to hand out now, or OTPBOX_ERR_NOT_FOUND. */
static enum otpbox_err
otpbox_look(struct otpbox *box, const struct otpbox_call *call, int peek,
            struct store_wait_code *found)
{
	enum otpbox_err err;
	int64_t code_id;

	err = store_wait_find(box->st, &call->q, &code_id);
	if (err)
		return err;
	if (peek)
		return store_wait_code_get(box->st, code_id, found);
	/* Another waiter may claim it first: then NOT_FOUND, and its commit
	 * wakes us for another look. */
	return store_wait_claim(box->st, call->wait_id, &call->q,
	                        call->claimed_by, time(NULL), found);
}

/*
 * Looks whenever a commit may have added codes for the address, sleeps in
 * between on the store's change feed (or its re-check interval, which
 * covers writers that do not announce). A call that never sleeps (time-out
 * 0) does not watch, so that it opens no feed. A server store opens a
 * lost connection again; until the deadline, a look that failed for it is
 * tried again.
 */
static enum otpbox_err
otpbox_wait_loop(struct otpbox *box, const struct otpbox_call *call,
                 const struct otpbox_wait_opts *opts,
                 struct store_wait_code *found)
{
	int64_t deadline = clock_mono_ms() + opts->timeout_ms, left;
	enum store_changes_event ev;
	enum otpbox_err err;
	bool look;
	int nap;

	for (;;) {
		look = true;
		err = OTPBOX_OK;
		if (opts->timeout_ms > 0)
			err =
			    store_changes_watch(box->st, call->address, &look);
		if (!err)
			err = look ? otpbox_look(box, call, opts->peek, found)
			           : OTPBOX_ERR_NOT_FOUND;
		if (err != OTPBOX_ERR_NOT_FOUND && err != OTPBOX_ERR_NET)
			return err;
		if ((left = deadline - clock_mono_ms()) <= 0)
			return err == OTPBOX_ERR_NET ? err : OTPBOX_ERR_TIMEOUT;
		nap = store_changes_interval_ms(box->st);
		if (nap > left)
			nap = (int)left;
		err = store_changes_sleep(box->st, nap, opts->cancel_fd, &ev);
		if (err)
			return err;
		if (ev == STORE_CHANGES_CANCELLED)
			return OTPBOX_ERR_INTERRUPTED;
	}
}

/* Moves the strings of c into a new public struct. */
static enum otpbox_err
otpbox_code_from(struct store_wait_code *c, int64_t wait_id,
                 struct otpbox_code **out)
{
	struct otpbox_code *code = calloc(1, sizeof(*code));

	if (code == NULL)
		return OTPBOX_ERR_NOMEM;
	*code = (struct otpbox_code){
	    .code = c->code,
	    .kind = c->kind,
	    .address = c->address,
	    .received_at = c->received_at,
	    .fetched_at = c->fetched_at,
	    .claimed_at = c->claimed_at,
	    .claimed_by = c->claimed_by,
	    .subject = c->subject,
	    .sender = c->sender,
	    .account = c->account,
	    .folder = c->folder,
	    .uid = c->uid,
	    .code_id = c->code_id,
	    .message_id = c->message_id,
	    .wait_id = wait_id,
	    .sender_address = c->from_address,
	    .sender_domain = c->from_domain,
	    .authenticated = c->authenticated,
	};
	memset(c, 0, sizeof(*c));
	*out = code;
	return OTPBOX_OK;
}

/* Records the end of a wait that did not claim (a claim ends its wait in
 * its own transaction). A failure here leaves the row 'waiting' until its
 * deadline, when the views treat it as ended; the result stands. */
static void
otpbox_call_end(struct otpbox *box, const struct otpbox_call *call,
                enum otpbox_err err, int peek, int64_t code_id)
{
	const char *outcome = STORE_WAIT_ERROR;

	if (err == OTPBOX_OK && !peek)
		return;
	if (err == OTPBOX_OK)
		outcome = STORE_WAIT_PEEKED;
	else if (err == OTPBOX_ERR_TIMEOUT)
		outcome = STORE_WAIT_TIMEOUT;
	else if (err == OTPBOX_ERR_INTERRUPTED)
		outcome = STORE_WAIT_CANCELLED;
	(void)store_wait_end(box->st, call->wait_id, outcome, code_id,
	                     time(NULL));
}

static enum otpbox_err
otpbox_record_start(struct otpbox *box, const struct otpbox_call *call,
                    const struct otpbox_wait_opts *opts, int64_t *wait_id)
{
	int64_t now = time(NULL);
	struct store_wait_start w = {
	    .query = &call->q,
	    .worker = opts->worker,
	    .pid = getpid(),
	    .started_at = now,
	    .deadline = now + (opts->timeout_ms + 999) / 1000,
	};

	return store_wait_begin(box->st, &w, wait_id);
}

/* The time-out message: and, when the wait's filters refused a code
 * that was there, which filter refused which message. */
static void
otpbox_explain(struct otpbox *box, const struct otpbox_call *call,
               int timeout_ms)
{
	struct store_wait_missed m;
	int n;

	n = snprintf(box->errmsg, sizeof(box->errmsg),
	             "no code for %s within %d ms", call->address, timeout_ms);
	if (n < 0 || (size_t)n >= sizeof(box->errmsg) ||
	    store_wait_missed_get(box->st, call->wait_id, &m))
		return;
	/* Not the subject: it may carry a code, and this goes to logs. */
	if (m.filtered_by)
		snprintf(box->errmsg + n, sizeof(box->errmsg) - (size_t)n,
		         "; filter --%s refused message %lld from %s",
		         m.filtered_by, (long long)m.message_id,
		         m.from_address ? m.from_address : "(no single From)");
	else if (m.reason)
		snprintf(box->errmsg + n, sizeof(box->errmsg) - (size_t)n,
		         " (%s)", m.reason);
	store_wait_missed_free(&m);
}

/* otpbox_wait() with opts given. */
static enum otpbox_err
otpbox_run(struct otpbox *box, const char *address,
           const struct otpbox_wait_opts *opts, struct otpbox_code **out)
{
	struct store_wait_code found = {0};
	struct otpbox_call call;
	enum otpbox_err err;

	*out = NULL;
	box->errmsg[0] = '\0';
	box->last_wait_id = 0;
	if ((err = otpbox_call_init(box, address, opts, &call)))
		return err;
	if ((err = otpbox_record_start(box, &call, opts, &call.wait_id)))
		return otpbox_fail(box, err, "cannot record the wait");
	box->last_wait_id = call.wait_id;
	err = otpbox_wait_loop(box, &call, opts, &found);
	store_changes_done(box->st);
	otpbox_call_end(box, &call, err, opts->peek, found.code_id);
	if (!err)
		err = otpbox_code_from(&found, call.wait_id, out);
	store_wait_code_free(&found);
	if (err && err != OTPBOX_ERR_TIMEOUT)
		return otpbox_fail(box, err, "wait failed");
	if (err)
		otpbox_explain(box, &call, opts->timeout_ms);
	return err;
}

enum otpbox_err
otpbox_wait(struct otpbox *box, const char *address,
            const struct otpbox_wait_opts *opts, struct otpbox_code **out)
{
	struct otpbox_wait_opts defaults;

	if (opts == NULL) {
		otpbox_wait_opts_defaults(&defaults);
		opts = &defaults;
	}
	return otpbox_run(box, address, opts, out);
}

/* otpbox_wait() with a zero time-out and peek set as asked. The copy
 * borrows the strings of opts. */
static enum otpbox_err
otpbox_once(struct otpbox *box, const char *address,
            const struct otpbox_wait_opts *opts, int peek,
            struct otpbox_code **out)
{
	struct otpbox_wait_opts o;

	if (opts)
		o = *opts;
	else
		otpbox_wait_opts_defaults(&o);
	o.timeout_ms = 0;
	o.peek = peek;
	return otpbox_run(box, address, &o, out);
}

enum otpbox_err
otpbox_claim(struct otpbox *box, const char *address,
             const struct otpbox_wait_opts *opts, struct otpbox_code **out)
{
	return otpbox_once(box, address, opts, 0, out);
}

enum otpbox_err
otpbox_peek(struct otpbox *box, const char *address,
            const struct otpbox_wait_opts *opts, struct otpbox_code **out)
{
	return otpbox_once(box, address, opts, 1, out);
}

void
otpbox_code_free(struct otpbox_code *code)
{
	if (code == NULL)
		return;
	free(code->code);
	free(code->kind);
	free(code->address);
	free(code->claimed_by);
	free(code->subject);
	free(code->sender);
	free(code->account);
	free(code->folder);
	free(code->sender_address);
	free(code->sender_domain);
	free(code);
}

const char *
otpbox_version(void)
{
	return OTPBOX_VERSION;
}

int64_t
otpbox_last_wait_id(const struct otpbox *box)
{
	return box->last_wait_id;
}

const char *
otpbox_last_miss_reason(struct otpbox *box)
{
	enum otpbox_err err;

	if (box->last_wait_id == 0)
		return NULL;
	err = store_miss_reason(box->st, box->last_wait_id, box->miss_reason,
	                        sizeof(box->miss_reason));
	if (err && err != OTPBOX_ERR_NOT_FOUND)
		otpbox_fail(box, err, "cannot read missed_otps");
	return err ? NULL : box->miss_reason;
}
