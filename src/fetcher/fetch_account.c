/* SPDX-License-Identifier: MIT */
/* Account-level fetch steps shared by --once and --watch: connecting with
 * the configured TLS and login, syncing every folder, retention. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "clock.h"
#include "fetch_account.h"
#include "log.h"
#include "oauth2_explain.h"
#include "recipient.h"
#include "store_fetch.h"
#include "fetch_report.h"

/* Extra room above max_message_bytes for the largest literal accepted. */
#define FETCH_ACCOUNT_LITERAL_SLACK 4096

static enum otpbox_err
fetch_account_mctx(struct fetch_account *fa, char *errbuf, size_t errlen)
{
	struct message_opts mo = {
	    .mailbox = fa->acct->mailbox ? fa->acct->mailbox : fa->acct->user,
	    .domains = fa->acct->domains,
	    .ndomains = fa->acct->ndomains,
	    .custom_patterns = fa->conf->extract.custom_patterns,
	    .ncustom_patterns = fa->conf->extract.ncustom_patterns,
	    .rule_from = fa->conf->extract.rule_from,
	    .rule_pattern = fa->conf->extract.rule_pattern,
	    .nrules = fa->conf->extract.nrules,
	    .max_bytes = (size_t)fa->conf->fetch.max_message_bytes,
	    .authserv_id = fa->acct->authserv_id,
	    .recipient_headers =
	        (const char *const *)fa->acct->recipient_headers,
	    .nrecipient_headers = fa->acct->nrecipient_headers,
	};

	if (mo.nrecipient_headers == 0)
		mo.recipient_headers = recipient_headers_for_host(
		    fa->acct->host, &mo.nrecipient_headers);
	return message_ctx_new(&mo, &fa->mctx, errbuf, errlen);
}

enum otpbox_err
fetch_account_new(const struct conf *conf, size_t index, struct store *st,
                  volatile sig_atomic_t *stop, struct fetch_account **out,
                  char *errbuf, size_t errlen)
{
	struct fetch_account *fa;
	enum otpbox_err err;
	size_t i;

	*out = NULL;
	fa = calloc(1, sizeof(*fa));
	if (fa == NULL)
		return OTPBOX_ERR_NOMEM;
	fa->conf = conf;
	fa->acct = &conf->accounts[index];
	fa->st = st;
	fa->nfolders = fa->acct->nfolders;
	fa->folders = calloc(fa->nfolders + 1, sizeof(*fa->folders));
	err = OTPBOX_ERR_NOMEM;
	if (fa->folders == NULL)
		goto out;
	for (i = 0; i < fa->nfolders; i++)
		fa->folders[i].name = fa->acct->folders[i];
	if ((err = fetch_account_mctx(fa, errbuf, errlen)))
		goto out;
	if (fa->acct->auth == CONF_AUTH_XOAUTH2 &&
	    (err = oauth2_new(&fa->acct->oauth2, &fa->oauth2, errbuf, errlen)))
		goto out;
	fa->sync = (struct fetch_sync_ctx){
	    .st = st,
	    .mctx = fa->mctx,
	    .account = fa->acct->name,
	    .user = fa->acct->user,
	    .host = fa->acct->host,
	    .max_bytes = (size_t)conf->fetch.max_message_bytes,
	    .batch = conf->fetch.batch_size > 0
	                 ? (unsigned)conf->fetch.batch_size
	                 : 200,
	    .stop = stop,
	};
out:
	if (err) {
		fetch_account_free(fa);
		return err;
	}
	*out = fa;
	return OTPBOX_OK;
}

void
fetch_account_free(struct fetch_account *fa)
{
	if (fa == NULL)
		return;
	message_ctx_free(fa->mctx);
	oauth2_free(fa->oauth2);
	free(fa->folders);
	free(fa);
}

static enum otpbox_err
fetch_account_opts(const struct conf_account *a, struct imap_client_opts *o,
                   size_t max_bytes, char *errbuf, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->conn.host = a->host;
	o->conn.port = a->port;
	o->conn.ca_file = a->ca_file;
	o->conn.timeout_ms = a->timeout_seconds * 1000;
	o->max_literal = max_bytes + FETCH_ACCOUNT_LITERAL_SLACK;
	switch (a->tls) {
	case CONF_TLS_IMPLICIT:
		o->conn.tls = IMAP_CONN_TLS_NOW;
		break;
	case CONF_TLS_STARTTLS:
		o->conn.tls = IMAP_CONN_TLS_LATER;
		break;
	case CONF_TLS_NONE:
		if (!a->allow_plaintext) {
			snprintf(errbuf, errlen,
			         "account %s: tls = \"none\" "
			         "sends the password in clear; set "
			         "allow_plaintext = true to accept that",
			         a->name);
			return OTPBOX_ERR_CONFIG;
		}
		o->conn.tls = IMAP_CONN_TLS_NEVER;
		break;
	}
	return OTPBOX_OK;
}

/* Gets an access token; a refusal by the token endpoint counts as a
 * refused login (exit 77, hard back-off in --watch). */
static enum otpbox_err
fetch_account_token(struct fetch_account *fa, const char **token, char *errbuf,
                    size_t errlen)
{
	enum otpbox_err err;
	char note[600];

	err = oauth2_token_get(fa->oauth2, time(NULL), token);
	if (oauth2_warning_take(fa->oauth2, note, sizeof(note)))
		log_warnx("account %s: %s", fa->acct->name, note);
	if (err == OTPBOX_OK)
		return OTPBOX_OK;
	snprintf(errbuf, errlen, "OAuth2: %s", oauth2_error(fa->oauth2));
	return err == OTPBOX_ERR_TOKEN ? OTPBOX_ERR_AUTH : err;
}

/* Exchange Online answers a token it accepted but will not serve with
 * "BAD User is authenticated but not connected", to the login or to the
 * first command after it. It is a refusal to act on, not a broken server. */
static bool
fetch_account_not_connected(const char *text)
{
	return strcasestr(text, "authenticated but not connected") != NULL;
}

/* The same for a password login, which Exchange also accepts before it
 * knows whether it will serve the mailbox. */
static void
fetch_account_explain_password(const char *text, char *why, size_t len)
{
	if (fetch_account_not_connected(text))
		snprintf(why, len,
		         "Exchange took the login but will not open the "
		         "mailbox: the password may be wrong (its front end "
		         "accepts any), IMAP may be off for this mailbox "
		         "(Set-CASMailbox -ImapEnabled $true), or too many "
		         "connections are open; Microsoft 365 needs auth = "
		         "\"xoauth2\"");
	else
		snprintf(why, len,
		         "the server is throttling this account and asks "
		         "for %ld s of quiet",
		         oauth2_explain_backoff(text));
}

/* Says what a session-ending refusal means: "not connected" becomes a
 * refused login (exit 77, hard back-off); throttling stays temporary
 * (75) but names the wait Microsoft asked for. */
static enum otpbox_err
fetch_account_session_refused(struct fetch_account *fa, enum otpbox_err err,
                              char *errbuf, size_t errlen)
{
	char text[512], why[512];
	long backoff;

	if (err == OTPBOX_OK || err == OTPBOX_ERR_INTERRUPTED ||
	    (!fetch_account_not_connected(errbuf) &&
	     !strcasestr(errbuf, "throttled")))
		return err;
	snprintf(text, sizeof(text), "%s", errbuf);
	if (fa->oauth2)
		oauth2_refusal_explain(fa->oauth2, text, why, sizeof(why),
		                       &backoff);
	else
		fetch_account_explain_password(text, why, sizeof(why));
	snprintf(errbuf, errlen, "%.400s; %s", text, why);
	return fetch_account_not_connected(text) ? OTPBOX_ERR_AUTH : err;
}

/* XOAUTH2 login. A refused token is replaced once (it may have been
 * revoked or expired early); a second refusal is explained. */
static enum otpbox_err
fetch_account_login_xoauth2(struct fetch_account *fa, struct imap_client *cl,
                            char *errbuf, size_t errlen)
{
	char refusal[512], why[512];
	enum otpbox_err err;
	const char *token;
	long backoff;
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if ((err = fetch_account_token(fa, &token, errbuf, errlen)))
			return err;
		fa->token_serial = oauth2_token_serial(fa->oauth2);
		err = imap_client_login_xoauth2(cl, fa->acct->user, token,
		                                errbuf, errlen);
		if (err == OTPBOX_ERR_PROTOCOL &&
		    fetch_account_not_connected(errbuf))
			err = OTPBOX_ERR_AUTH;
		if (err != OTPBOX_ERR_AUTH)
			return err;
		snprintf(refusal, sizeof(refusal), "%s", errbuf);
		oauth2_token_reject(fa->oauth2);
		if (strcasestr(refusal, "throttled"))
			break; /* another login now would make it worse */
		if (attempt == 0)
			log_verbose("account %s: token refused; trying once "
			            "more with a new one",
			            fa->acct->name);
	}
	oauth2_refusal_explain(fa->oauth2, refusal, why, sizeof(why), &backoff);
	snprintf(errbuf, errlen, "%.400s; %s", refusal, why);
	return OTPBOX_ERR_AUTH;
}

static enum otpbox_err
fetch_account_login(struct fetch_account *fa, struct imap_client *cl,
                    char *errbuf, size_t errlen)
{
	enum otpbox_err err;
	char *secret = NULL;

	if (fa->oauth2)
		return fetch_account_login_xoauth2(fa, cl, errbuf, errlen);
	err = conf_secret_read(&fa->acct->password, "password", &secret, errbuf,
	                       errlen);
	if (err)
		return err;
	err = imap_client_login_password(cl, fa->acct->user, secret, errbuf,
	                                 errlen);
	conf_secret_free(secret);
	if (err == OTPBOX_ERR_PROTOCOL && fetch_account_not_connected(errbuf))
		err = OTPBOX_ERR_AUTH;
	if (err == OTPBOX_ERR_AUTH &&
	    strcasestr(errbuf, "Basic authentication is disabled"))
		snprintf(errbuf + strlen(errbuf), errlen - strlen(errbuf),
		         "; Microsoft turned off passwords for IMAP: use "
		         "auth = \"xoauth2\" (docs: Microsoft 365 guide)");
	return err;
}

time_t
fetch_account_renew_at(const struct fetch_account *fa)
{
	return fa->oauth2 ? oauth2_renew_at(fa->oauth2) : 0;
}

enum otpbox_err
fetch_account_renew(struct fetch_account *fa, bool *fresh, char *errbuf,
                    size_t errlen)
{
	const char *token;
	enum otpbox_err err;

	*fresh = false;
	if (fa->oauth2 == NULL)
		return OTPBOX_OK;
	err = fetch_account_token(fa, &token, errbuf, errlen);
	*fresh = err == OTPBOX_OK &&
	         oauth2_token_serial(fa->oauth2) != fa->token_serial;
	return err;
}

enum otpbox_err
fetch_account_connect(struct fetch_account *fa, struct imap_client **out,
                      char *errbuf, size_t errlen)
{
	struct imap_client_opts o;
	struct imap_client *cl = NULL;
	enum otpbox_err err;

	*out = NULL;
	err = fetch_account_opts(fa->acct, &o, fa->sync.max_bytes, errbuf,
	                         errlen);
	if (err == OTPBOX_OK)
		err = imap_client_open(&o, &cl, errbuf, errlen);
	if (err == OTPBOX_OK)
		err = fetch_account_login(fa, cl, errbuf, errlen);
	if (err) {
		fetch_report_account(fa->st, fa->acct, err, errbuf);
		imap_client_free(cl);
		return err;
	}
	*out = cl;
	return OTPBOX_OK;
}

static double
fetch_account_now(void)
{
	return (double)clock_mono_ms() / 1000;
}

static void
fetch_account_log_sync(const struct fetch_account *fa,
                       const struct fetch_sync_folder *f,
                       const struct fetch_sync_stats *s, double secs,
                       uint64_t bytes)
{
	log_info("sync %s/%s: %u new, %u stored, %u already stored, "
	         "%u with a code or link, %u parse errors, %u truncated, "
	         "%u fetched by parts; last uid %lld (uidvalidity %lld) "
	         "in %.3f s",
	         fa->acct->name, f->name, s->fetched, s->stored, s->duplicates,
	         s->codes, s->errors, s->truncated, s->partial,
	         (long long)f->cp.last_uid, (long long)f->cp.uidvalidity, secs);
	log_verbose("sync %s/%s: %llu bytes read from the server",
	            fa->acct->name, f->name, (unsigned long long)bytes);
}

enum otpbox_err
fetch_account_sync_all(struct fetch_account *fa, struct imap_client *cl,
                       char *errbuf, size_t errlen)
{
	struct fetch_sync_stats stats;
	enum otpbox_err err = OTPBOX_OK;
	struct fetch_sync_folder *f;
	uint64_t bytes;
	double t0;
	size_t i;

	for (i = fa->nfolders; i-- > 0 && err == OTPBOX_OK;) {
		f = &fa->folders[i];
		memset(&stats, 0, sizeof(stats));
		t0 = fetch_account_now();
		bytes = imap_client_bytes_read(cl);
		err =
		    fetch_sync_folder(&fa->sync, cl, f, &stats, errbuf, errlen);
		fetch_report_folder(fa->st, fa->acct->name, f->name, err,
		                    errbuf);
		if (err == OTPBOX_ERR_NOT_FOUND && i > 0) {
			log_warnx("%s: %s (skipped)", fa->acct->name, errbuf);
			err = OTPBOX_OK;
			continue;
		}
		if (err == OTPBOX_OK || err == OTPBOX_ERR_INTERRUPTED)
			fetch_account_log_sync(
			    fa, f, &stats, fetch_account_now() - t0,
			    imap_client_bytes_read(cl) - bytes);
	}
	return fetch_account_session_refused(fa, err, errbuf, errlen);
}

enum otpbox_err
fetch_account_sync_new(struct fetch_account *fa, struct imap_client *cl,
                       char *errbuf, size_t errlen)
{
	struct fetch_sync_stats stats = {0};
	double t0 = fetch_account_now();
	uint64_t bytes = imap_client_bytes_read(cl);
	enum otpbox_err err;

	err = fetch_sync_new(&fa->sync, cl, &fa->folders[0], &stats, errbuf,
	                     errlen);
	fetch_report_folder(fa->st, fa->acct->name, fa->folders[0].name, err,
	                    errbuf);
	if ((err == OTPBOX_OK || err == OTPBOX_ERR_INTERRUPTED) &&
	    stats.fetched > 0)
		fetch_account_log_sync(fa, &fa->folders[0], &stats,
		                       fetch_account_now() - t0,
		                       imap_client_bytes_read(cl) - bytes);
	return fetch_account_session_refused(fa, err, errbuf, errlen);
}

enum otpbox_err
fetch_account_retention(const struct conf *conf, struct store *st)
{
	int64_t deleted = 0;
	enum otpbox_err err;

	if (conf->fetch.retention_days <= 0)
		return OTPBOX_OK;
	err = store_fetch_purge(st,
	                        (int64_t)time(NULL) -
	                            (int64_t)conf->fetch.retention_days * 86400,
	                        &deleted);
	if (err == OTPBOX_OK && deleted > 0)
		log_info("retention: deleted %lld messages older than %d days",
		         (long long)deleted, conf->fetch.retention_days);
	return err;
}

void
fetch_account_session_ended(struct fetch_account *fa, const char *why)
{
	if (fa->oauth2 == NULL || strcasestr(why, "AccessTokenExpired") == NULL)
		return;
	oauth2_token_reject(fa->oauth2);
	log_verbose("account %s: the server says the access token expired; "
	            "the next login gets a new one",
	            fa->acct->name);
}

int
fetch_account_exit_status(enum otpbox_err err)
{
	switch (err) {
	case OTPBOX_OK:
	case OTPBOX_ERR_INTERRUPTED:
		return EX_OK;
	case OTPBOX_ERR_AUTH:
		return EX_NOPERM;
	case OTPBOX_ERR_CONFIG:
	case OTPBOX_ERR_SECRET:
		return EX_CONFIG;
	case OTPBOX_ERR_NO_DB:
	case OTPBOX_ERR_NOT_OTPBOX_DB:
	case OTPBOX_ERR_SCHEMA_TOO_NEW:
	case OTPBOX_ERR_IO:
		return EX_CANTCREAT;
	case OTPBOX_ERR_NOMEM:
		return EX_OSERR;
	default:
		return EX_TEMPFAIL;
	}
}
