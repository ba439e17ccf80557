/* SPDX-License-Identifier: MIT */
/* Gets OAuth2 access tokens from a token endpoint or a command and keeps
 * them until shortly before they lapse; never lets a secret into a message. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oauth2.h"
#include "oauth2_explain.h"
#include "secret_buf.h"

#define OAUTH2_ERR_MAX 1024
#define OAUTH2_TOKEN_MAX (16 * 1024)
struct oauth2 {
	const struct conf_oauth2 *conf;
	CURL *curl;
	char *endpoint;
	char *token;       /* the cached access token */
	time_t renew_at;   /* replace token from then on */
	time_t expires_at; /* token is useless from then on */
	unsigned serial;   /* counts the tokens obtained */
	time_t not_before; /* the endpoint asked us to wait until then */
	long retry_after;  /* seconds asked for by the last reply */
	char *refresh_mem; /* a rotated refresh token we could not save */
	struct oauth2_explain_claims claims; /* of the cached token */
	char error[OAUTH2_ERR_MAX];
	char warning[512];
	char curl_err[CURL_ERROR_SIZE];
};

/* A reply body being received, capped at OAUTH2_REPLY_MAX. */
struct oauth2_buf {
	char *data;
	size_t len;
	bool too_big;
};

/* jansson copies token strings into its own memory: wipe it on free. */
static void
oauth2_json_free(void *p)
{
	secret_buf_free(p);
}

static void oauth2_fail(struct oauth2 *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
oauth2_fail(struct oauth2 *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->error, sizeof(o->error), fmt, ap);
	va_end(ap);
}

/* Blanks out every occurrence of secret in msg (defence in depth: an
 * endpoint might echo what it was sent). */
static void
oauth2_redact(char *msg, const char *secret)
{
	size_t n;
	char *p;

	if (secret == NULL || (n = strlen(secret)) < 4)
		return;
	while ((p = strstr(msg, secret)) != NULL)
		memset(p, '*', n);
}

enum otpbox_err
oauth2_endpoint_fmt(const char *tmpl, const char *tenant, char **out)
{
	const char *at = strstr(tmpl, "{tenant}");
	size_t i;

	*out = NULL;
	if (at == NULL)
		return (*out = strdup(tmpl)) ? OTPBOX_OK : OTPBOX_ERR_NOMEM;
	if (tenant == NULL || !*tenant)
		return OTPBOX_ERR_CONFIG;
	for (i = 0; tenant[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
		            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-",
		            tenant[i]))
			return OTPBOX_ERR_CONFIG;
	if (asprintf(out, "%.*s%s%s", (int)(at - tmpl), tmpl, tenant,
	             at + strlen("{tenant}")) < 0) {
		*out = NULL;
		return OTPBOX_ERR_NOMEM;
	}
	return OTPBOX_OK;
}

enum otpbox_err
oauth2_form_fmt(const char *const *pairs, char **out)
{
	size_t len = 0, cap = 256, need;
	char *buf, *esc;
	int i;

	*out = NULL;
	if ((buf = calloc(1, cap)) == NULL)
		return OTPBOX_ERR_NOMEM;
	for (i = 0; pairs[i] && pairs[i + 1]; i += 2) {
		esc = curl_easy_escape(NULL, pairs[i + 1], 0);
		if (esc == NULL)
			goto nomem;
		need = len + strlen(pairs[i]) + strlen(esc) + 3;
		if (secret_buf_grow(&buf, len, &cap, need) != OTPBOX_OK) {
			explicit_bzero(esc, strlen(esc));
			curl_free(esc);
			goto nomem;
		}
		len += (size_t)snprintf(buf + len, cap - len, "%s%s=%s",
		                        len ? "&" : "", pairs[i], esc);
		explicit_bzero(esc, strlen(esc));
		curl_free(esc);
	}
	*out = buf;
	return OTPBOX_OK;
nomem:
	secret_buf_free(buf);
	return OTPBOX_ERR_NOMEM;
}

static const char *
oauth2_json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* expires_in is a number in v2.0 replies, a string in some older ones. */
static long
oauth2_json_seconds(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	long n = 0;

	if (json_is_integer(v))
		n = (long)json_integer_value(v);
	else if (json_is_string(v))
		n = strtol(json_string_value(v), NULL, 10);
	return n < 0 ? 0 : n > 30L * 86400 ? 30L * 86400 : n;
}

/* A token goes into a SASL line: printable ASCII without spaces. */
static bool
oauth2_token_ok(const char *t)
{
	size_t n = 0;

	for (; t && *t; t++, n++)
		if (*t <= 0x20 || *t >= 0x7f)
			return false;
	return n > 0 && n <= OAUTH2_TOKEN_MAX;
}

static enum otpbox_err
oauth2_reply_error(long status, const json_t *root, char *errbuf, size_t errlen)
{
	const char *error = oauth2_json_str(root, "error");
	const char *desc = oauth2_json_str(root, "error_description");
	char first[320];

	oauth2_explain_first_line(desc, first, sizeof(first));
	if (status == 429) {
		snprintf(errbuf, errlen,
		         "the token endpoint is throttling "
		         "us (HTTP 429%s%s); will try again later",
		         *first ? ": " : "", first);
		return OTPBOX_ERR_NET;
	}
	if (status >= 500 ||
	    (error && (!strcmp(error, "temporarily_unavailable") ||
	               !strcmp(error, "server_error")))) {
		snprintf(errbuf, errlen,
		         "the token endpoint is failing (HTTP "
		         "%ld%s%s); will try again later",
		         status, *first ? ": " : "", first);
		return OTPBOX_ERR_NET;
	}
	if (error == NULL) {
		snprintf(errbuf, errlen,
		         "the token endpoint answered HTTP %ld "
		         "without an OAuth2 error; check token_endpoint",
		         status);
		return OTPBOX_ERR_PROTOCOL;
	}
	oauth2_explain_error(error, desc, errbuf, errlen);
	return OTPBOX_ERR_TOKEN;
}

enum otpbox_err
oauth2_reply_parse(long status, const char *body, size_t len,
                   struct oauth2_reply *r, char *errbuf, size_t errlen)
{
	const char *type, *access, *refresh;
	enum otpbox_err err = OTPBOX_ERR_PROTOCOL;
	json_t *root;

	memset(r, 0, sizeof(*r));
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root)) {
		snprintf(errbuf, errlen,
		         "the token endpoint's reply (HTTP "
		         "%ld) is not JSON; check token_endpoint",
		         status);
		if (status == 429 || status >= 500)
			err = OTPBOX_ERR_NET;
		goto out;
	}
	if (status != 200 || json_object_get(root, "error")) {
		err = oauth2_reply_error(status, root, errbuf, errlen);
		goto out;
	}
	type = oauth2_json_str(root, "token_type");
	access = oauth2_json_str(root, "access_token");
	refresh = oauth2_json_str(root, "refresh_token");
	if ((type && strcasecmp(type, "Bearer")) || !oauth2_token_ok(access) ||
	    (refresh && !oauth2_token_ok(refresh))) {
		snprintf(errbuf, errlen,
		         "the token endpoint's reply holds no "
		         "usable bearer token");
		goto out;
	}
	r->access_token = strdup(access);
	r->refresh_token = refresh ? strdup(refresh) : NULL;
	r->expires_in = oauth2_json_seconds(root, "expires_in");
	err = OTPBOX_OK;
	if (r->access_token == NULL || (refresh && r->refresh_token == NULL)) {
		oauth2_reply_clear(r);
		err = OTPBOX_ERR_NOMEM;
	}
out:
	json_decref(root);
	return err;
}

static void
oauth2_wipe_free(char *s)
{
	secret_buf_free(s);
}

void
oauth2_reply_clear(struct oauth2_reply *r)
{
	oauth2_wipe_free(r->access_token);
	oauth2_wipe_free(r->refresh_token);
	memset(r, 0, sizeof(*r));
}

/* Writes all of buf to fd. */
static int
oauth2_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Makes a rename in path's directory durable. */
static int
oauth2_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s",
		         slash == path ? 1 : (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

enum otpbox_err
oauth2_refresh_file_write(const char *path, const char *token, char *errbuf,
                          size_t errlen)
{
	char tmp[PATH_MAX];
	int fd = -1, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(errbuf, errlen, "refresh token file name too long");
		return OTPBOX_ERR_IO;
	}
	/* mkstemp creates the file with mode 0600 in path's directory. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		goto fail;
	if (fchmod(fd, 0600) < 0 ||
	    oauth2_write_all(fd, token, strlen(token)) < 0 ||
	    oauth2_write_all(fd, "\n", 1) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	if (oauth2_sync_dir(path) < 0)
		goto fail_renamed;
	return OTPBOX_OK;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
fail_renamed:
	snprintf(errbuf, errlen, "could not replace refresh token file %s: %s",
	         path, strerror(errno));
	return OTPBOX_ERR_IO;
}

static size_t
oauth2_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct oauth2_buf *buf = arg;
	size_t n = size * nmemb;

	if (n > OAUTH2_REPLY_MAX - buf->len) {
		buf->too_big = true;
		return 0;
	}
	memcpy(buf->data + buf->len, data, n);
	buf->len += n;
	return n;
}

enum otpbox_err
oauth2_new(const struct conf_oauth2 *conf, struct oauth2 **out, char *errbuf,
           size_t errlen)
{
	static bool json_wipes;
	const char *tmpl = conf->token_endpoint ? conf->token_endpoint
	                                        : CONF_DEFAULT_TOKEN_ENDPOINT;
	enum otpbox_err err = OTPBOX_ERR_NOMEM;
	struct oauth2 *o;

	*out = NULL;
	if (!json_wipes) {
		json_set_alloc_funcs(malloc, oauth2_json_free);
		json_wipes = true;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return OTPBOX_ERR_NOMEM;
	o->conf = conf;
	if (conf->access_token_command) {
		*out = o;
		return OTPBOX_OK;
	}
	err = oauth2_endpoint_fmt(tmpl, conf->tenant, &o->endpoint);
	if (err == OTPBOX_ERR_CONFIG)
		snprintf(errbuf, errlen,
		         "oauth2: tenant '%s' must be the "
		         "Directory (tenant) ID or a domain name",
		         conf->tenant ? conf->tenant : "");
	if (err)
		goto out;
	if (strncasecmp(o->endpoint, "https://", 8)) {
		snprintf(errbuf, errlen,
		         "oauth2: token_endpoint must start "
		         "with https:// (the client secret travels in it)");
		err = OTPBOX_ERR_CONFIG;
		goto out;
	}
	err = OTPBOX_ERR_NOMEM;
	if ((o->curl = curl_easy_init()) == NULL)
		goto out;
	curl_easy_setopt(o->curl, CURLOPT_URL, o->endpoint);
	curl_easy_setopt(o->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(o->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(o->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(o->curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	if (conf->ca_file)
		curl_easy_setopt(o->curl, CURLOPT_CAINFO, conf->ca_file);
	curl_easy_setopt(o->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(o->curl, CURLOPT_TIMEOUT, (long)OAUTH2_HTTP_TIMEOUT);
	curl_easy_setopt(o->curl, CURLOPT_USERAGENT, "otpbox/" PACKAGE_VERSION);
	curl_easy_setopt(o->curl, CURLOPT_ERRORBUFFER, o->curl_err);
	curl_easy_setopt(o->curl, CURLOPT_WRITEFUNCTION, oauth2_write_cb);
	*out = o;
	return OTPBOX_OK;
out:
	oauth2_free(o);
	return err;
}

static void
oauth2_forget(struct oauth2 *o)
{
	oauth2_wipe_free(o->token);
	o->token = NULL;
	o->renew_at = 0;
}

void
oauth2_free(struct oauth2 *o)
{
	if (o == NULL)
		return;
	oauth2_forget(o);
	oauth2_wipe_free(o->refresh_mem);
	if (o->curl)
		curl_easy_cleanup(o->curl);
	free(o->endpoint);
	secret_buf_free(o);
}

static enum otpbox_err
oauth2_curl_fail(struct oauth2 *o, CURLcode rc, bool too_big)
{
	const char *why = o->curl_err[0] ? o->curl_err : curl_easy_strerror(rc);

	if (too_big) {
		oauth2_fail(o, "the token endpoint's reply exceeds %d bytes",
		            OAUTH2_REPLY_MAX);
		return OTPBOX_ERR_PROTOCOL;
	}
	switch (rc) {
	case CURLE_SSL_CACERT_BADFILE:
		oauth2_fail(o, "oauth2 ca_file %s cannot be used: %s",
		            o->conf->ca_file ? o->conf->ca_file : "", why);
		return OTPBOX_ERR_CONFIG;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
		oauth2_fail(o,
		            "TLS with the token endpoint %s failed: %s (a "
		            "private endpoint needs oauth2 ca_file)",
		            o->endpoint, why);
		return OTPBOX_ERR_TLS;
	default:
		oauth2_fail(o,
		            "token endpoint %s unreachable: %s; will try "
		            "again later",
		            o->endpoint, why);
		return OTPBOX_ERR_NET;
	}
}

/* POSTs form to the endpoint and reads the reply into r. */
static enum otpbox_err
oauth2_post(struct oauth2 *o, const char *form, struct oauth2_reply *r)
{
	struct oauth2_buf buf = {NULL, 0, false};
	curl_off_t wait = 0;
	enum otpbox_err err;
	long status = 0;
	CURLcode rc;

	if ((buf.data = malloc(OAUTH2_REPLY_MAX + 1)) == NULL)
		return OTPBOX_ERR_NOMEM;
	o->curl_err[0] = '\0';
	curl_easy_setopt(o->curl, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(o->curl, CURLOPT_WRITEDATA, &buf);
	rc = curl_easy_perform(o->curl);
	curl_easy_setopt(o->curl, CURLOPT_POSTFIELDS, "");
	if (rc != CURLE_OK) {
		err = oauth2_curl_fail(o, rc, buf.too_big);
		goto out;
	}
	curl_easy_getinfo(o->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(o->curl, CURLINFO_RETRY_AFTER, &wait);
	/* An hour at most: a typo in a header must not silence us for days. */
	o->retry_after = wait <= 0 ? 0 : wait > 3600 ? 3600 : (long)wait;
	err = oauth2_reply_parse(status, buf.data, buf.len, r, o->error,
	                         sizeof(o->error));
out:
	secret_buf_free(buf.data);
	return err;
}

/* The refresh token to use: one we failed to save wins over the file. */
static enum otpbox_err
oauth2_refresh_read(struct oauth2 *o, char **out)
{
	struct conf_secret src = {.file = o->conf->refresh_token_file};

	if (o->refresh_mem)
		return (*out = strdup(o->refresh_mem)) ? OTPBOX_OK
		                                       : OTPBOX_ERR_NOMEM;
	return conf_secret_read(&src, "refresh token", out, o->error,
	                        sizeof(o->error));
}

/* Keeps a rotated refresh token: in the file, or in memory if that fails. */
static void
oauth2_refresh_keep(struct oauth2 *o, const char *token)
{
	char why[512];

	if (oauth2_refresh_file_write(o->conf->refresh_token_file, token, why,
	                              sizeof(why)) == OTPBOX_OK) {
		oauth2_wipe_free(o->refresh_mem);
		o->refresh_mem = NULL;
		return;
	}
	snprintf(o->warning, sizeof(o->warning),
	         "%.400s; the new refresh "
	         "token is kept in memory only, until otpbox stops",
	         why);
	oauth2_wipe_free(o->refresh_mem);
	o->refresh_mem = strdup(token);
}

/* Asks the token endpoint for a token, per the configured flow. */
static enum otpbox_err
oauth2_request(struct oauth2 *o, struct oauth2_reply *r)
{
	const struct conf_oauth2 *c = o->conf;
	const bool delegated = c->flow == CONF_OAUTH2_REFRESH_TOKEN;
	const char *pairs[11];
	char *secret = NULL, *refresh = NULL, *form = NULL;
	enum otpbox_err err = OTPBOX_OK;
	size_t n = 0;

	if (c->client_secret.env || c->client_secret.file ||
	    c->client_secret.command)
		err = conf_secret_read(&c->client_secret, "client secret",
		                       &secret, o->error, sizeof(o->error));
	if (err == OTPBOX_OK && delegated)
		err = oauth2_refresh_read(o, &refresh);
	if (err)
		goto out;
	pairs[n++] = "grant_type";
	pairs[n++] = delegated ? "refresh_token" : "client_credentials";
	pairs[n++] = "client_id";
	pairs[n++] = c->client_id ? c->client_id : "";
	pairs[n++] = "scope";
	pairs[n++] = c->scope    ? c->scope
	             : delegated ? OAUTH2_SCOPE_DELEGATED
	                         : OAUTH2_SCOPE_APP;
	if (secret) {
		pairs[n++] = "client_secret";
		pairs[n++] = secret;
	}
	if (refresh) {
		pairs[n++] = "refresh_token";
		pairs[n++] = refresh;
	}
	pairs[n] = NULL;
	if ((err = oauth2_form_fmt(pairs, &form)) != OTPBOX_OK)
		goto out;
	err = oauth2_post(o, form, r);
	if (err == OTPBOX_OK && delegated && r->refresh_token &&
	    strcmp(r->refresh_token, refresh))
		oauth2_refresh_keep(o, r->refresh_token);
out:
	oauth2_redact(o->error, secret);
	oauth2_redact(o->error, refresh);
	oauth2_wipe_free(form);
	conf_secret_free(secret);
	conf_secret_free(refresh);
	return err;
}

/* Runs access_token_command; its output is the token. */
static enum otpbox_err
oauth2_command(struct oauth2 *o, struct oauth2_reply *r)
{
	struct conf_secret src = {.command = o->conf->access_token_command};
	enum otpbox_err err;

	err = conf_secret_read(&src, "access_token_command", &r->access_token,
	                       o->error, sizeof(o->error));
	if (err)
		return err;
	if (!oauth2_token_ok(r->access_token)) {
		oauth2_fail(o, "access_token_command printed something that "
		               "is not a bearer token (one line, no spaces)");
		oauth2_reply_clear(r);
		return OTPBOX_ERR_SECRET;
	}
	return OTPBOX_OK;
}

/* Takes r's access token into the cache with its renewal time. */
static void
oauth2_cache(struct oauth2 *o, struct oauth2_reply *r, time_t now)
{
	long life = r->expires_in, margin;
	time_t exp;

	if (life == 0 && (exp = oauth2_explain_jwt_exp(r->access_token)) > now)
		life = (long)(exp - now);
	if (life == 0)
		life = OAUTH2_COMMAND_TTL;
	margin = life / 5;
	if (margin > OAUTH2_RENEW_MARGIN)
		margin = OAUTH2_RENEW_MARGIN;
	oauth2_forget(o);
	o->token = r->access_token;
	r->access_token = NULL;
	o->renew_at = now + life - margin;
	o->expires_at = now + life;
	o->serial++;
	oauth2_explain_claims_read(&o->claims, o->token);
}

/* Renewal failed while the cached token still works: keep using it, say
 * so, and try again soon. */
static bool
oauth2_keep_old(struct oauth2 *o, time_t now)
{
	long wait = o->retry_after > 0 ? o->retry_after : OAUTH2_RETRY_SECONDS;

	if (o->token == NULL || now + OAUTH2_RETRY_SECONDS > o->expires_at)
		return false;
	snprintf(o->warning, sizeof(o->warning),
	         "could not renew the access "
	         "token (%.400s); the current one still works for %ld s",
	         o->error, (long)(o->expires_at - now));
	o->renew_at = now + wait;
	return true;
}

enum otpbox_err
oauth2_token_get(struct oauth2 *o, time_t now, const char **token)
{
	struct oauth2_reply r = {NULL, NULL, 0};
	enum otpbox_err err;

	*token = NULL;
	if (o->token && now < o->renew_at) {
		*token = o->token;
		return OTPBOX_OK;
	}
	if (now < o->not_before) {
		oauth2_fail(o,
		            "the token endpoint asked us to wait; %ld "
		            "seconds to go",
		            (long)(o->not_before - now));
		o->retry_after = (long)(o->not_before - now);
		err = OTPBOX_ERR_NET;
		goto out;
	}
	o->retry_after = 0;
	o->error[0] = '\0';
	if (o->conf->access_token_command)
		err = oauth2_command(o, &r);
	else
		err = oauth2_request(o, &r);
	if (err)
		o->not_before = now + o->retry_after;
	else
		oauth2_cache(o, &r, now);
out:
	if (err && oauth2_keep_old(o, now))
		err = OTPBOX_OK;
	else if (err)
		oauth2_forget(o);
	*token = err ? NULL : o->token;
	oauth2_reply_clear(&r);
	return err;
}

void
oauth2_token_reject(struct oauth2 *o)
{
	oauth2_forget(o);
}

time_t
oauth2_renew_at(const struct oauth2 *o)
{
	return o->token ? o->renew_at : 0;
}

unsigned
oauth2_token_serial(const struct oauth2 *o)
{
	return o->serial;
}

const char *
oauth2_error(const struct oauth2 *o)
{
	return o->error[0] ? o->error : "no error";
}

bool
oauth2_warning_take(struct oauth2 *o, char *buf, size_t len)
{
	if (!o->warning[0])
		return false;
	snprintf(buf, len, "%s", o->warning);
	o->warning[0] = '\0';
	return true;
}

long
oauth2_retry_after(const struct oauth2 *o)
{
	return o->retry_after;
}

void
oauth2_refusal_explain(const struct oauth2 *o, const char *server_text,
                       char *buf, size_t len, long *backoff)
{
	const bool app = o->conf->flow == CONF_OAUTH2_CLIENT_CREDENTIALS &&
	                 !o->conf->access_token_command;

	oauth2_explain_refusal(&o->claims, app, server_text, buf, len, backoff);
}
