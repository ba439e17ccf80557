/* SPDX-License-Identifier: MIT */
/* The store's public functions: choose a backend by the database string,
 * then dispatch every call through the handle's table of operations. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "schema_sql.h"
#include "store_backend_p.h"

enum store_kind
store_kind_of(const char *database)
{
	const char *p = database;

	if (strncmp(database, "postgresql://", 13) == 0 ||
	    strncmp(database, "postgres://", 11) == 0)
		return STORE_KIND_POSTGRESQL;
	/* A conninfo starts with a keyword and "=" ("host=db dbname=x");
	 * a file whose name looks like that can be given as ./NAME. */
	while (isspace((unsigned char)*p))
		p++;
	if (!isalpha((unsigned char)*p))
		return STORE_KIND_SQLITE;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	while (isspace((unsigned char)*p))
		p++;
	return *p == '=' ? STORE_KIND_POSTGRESQL : STORE_KIND_SQLITE;
}

/* Appends n bytes of s to out (size len, *used so far), cutting at the end. */
static void
store_redact_put(char *out, size_t len, size_t *used, const char *s, size_t n)
{
	if (*used + 1 >= len)
		return;
	if (n > len - 1 - *used)
		n = len - 1 - *used;
	memcpy(out + *used, s, n);
	*used += n;
	out[*used] = '\0';
}

/* The length of a value starting at s: quoted (conninfo) up to its
 * closing quote, else up to a space or the next URI parameter. */
static size_t
store_redact_value(const char *s)
{
	size_t i = 0;

	if (s[0] == '\'') {
		for (i = 1; s[i] && s[i] != '\''; i++)
			if (s[i] == '\\' && s[i + 1])
				i++;
		return s[i] ? i + 1 : i;
	}
	while (s[i] && !isspace((unsigned char)s[i]) && s[i] != '&')
		i++;
	return i;
}

/* Whether s (inside whole) starts a "password" keyword: after the start,
 * a space, '?' or '&', and followed by '='. *value gets the value. */
static int
store_redact_keyword(const char *whole, const char *s, const char **value)
{
	const char *p = s + 8;

	if (strncasecmp(s, "password", 8) != 0)
		return 0;
	if (s != whole && !isspace((unsigned char)s[-1]) && s[-1] != '?' &&
	    s[-1] != '&')
		return 0;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '=')
		return 0;
	p++;
	while (isspace((unsigned char)*p))
		p++;
	*value = p;
	return 1;
}

/* The span of a URI's password ("pass" of "user:pass@host"), or 0. */
static size_t
store_redact_userinfo(const char *db, size_t *start)
{
	const char *auth = strstr(db, "://"), *end, *at = NULL, *colon;

	if (auth == NULL || store_kind_of(db) != STORE_KIND_POSTGRESQL)
		return 0;
	auth += 3;
	end = auth + strcspn(auth, "?#");
	/* The last '@' before the query: a password may hold '@' or '/'. */
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		return 0;
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (colon == NULL)
		return 0;
	*start = (size_t)(colon + 1 - db);
	return (size_t)(at - colon - 1);
}

char *
store_redact(const char *database, char *out, size_t outlen)
{
	size_t used = 0, pw_start = 0, pw_len, i = 0;
	const char *value;

	if (outlen == 0)
		return out;
	out[0] = '\0';
	pw_len = store_redact_userinfo(database, &pw_start);
	while (database[i]) {
		if (pw_len && i == pw_start) {
			store_redact_put(out, outlen, &used, "***", 3);
			i += pw_len;
			continue;
		}
		if (store_redact_keyword(database, database + i, &value)) {
			store_redact_put(out, outlen, &used, database + i,
			                 (size_t)(value - database) - i);
			store_redact_put(out, outlen, &used, "***", 3);
			i = (size_t)(value - database) +
			    store_redact_value(value);
			continue;
		}
		store_redact_put(out, outlen, &used, database + i, 1);
		i++;
	}
	return out;
}

int
store_schema_version(void)
{
	return schema_sql_count;
}

enum otpbox_err
store_open_password(const char *database, const char *password, bool create,
                    struct store **out, char *errbuf, size_t errlen)
{
	const struct store_backend *b = &store_sqlite_backend;

	*out = NULL;
	if (store_kind_of(database) == STORE_KIND_POSTGRESQL)
		b = &store_pg_backend;
	return b->open(database, password, create, out, errbuf, errlen);
}

enum otpbox_err
store_open(const char *path, bool create, struct store **out, char *errbuf,
           size_t errlen)
{
	return store_open_password(path, NULL, create, out, errbuf, errlen);
}

void
store_close(struct store *st)
{
	if (st)
		st->backend->close(st);
}

enum otpbox_err
store_begin(struct store *st)
{
	return st->backend->begin(st);
}

enum otpbox_err
store_commit(struct store *st)
{
	return st->backend->commit(st);
}

void
store_rollback(struct store *st)
{
	st->backend->rollback(st);
}

enum otpbox_err
store_data_version(struct store *st, int64_t *out)
{
	if (st->backend->data_version)
		return st->backend->data_version(st, out);
	/* No counter: a new value each second, so that callers look again
	 * that often (and no more). */
	*out = clock_mono_ms() / 1000;
	return OTPBOX_OK;
}

const char *
store_errmsg(const struct store *st)
{
	return st->backend->errmsg(st);
}

const char *
store_get_path(const struct store *st)
{
	return st->backend->file_path(st);
}

const char *
store_display_name(const struct store *st)
{
	return st->backend->display_name(st);
}

const char *
store_backend_name(const struct store *st)
{
	return st->backend->name;
}

enum otpbox_err
store_lock_take(struct store *st, const char *name, char *errbuf, size_t errlen)
{
	return st->backend->lock_take(st, name, errbuf, errlen);
}

enum otpbox_err
store_lock_fetch(struct store *st, const char *account, char *errbuf,
                 size_t errlen)
{
	size_t n = sizeof("fetch:") + strlen(account);
	char *name = malloc(n);
	enum otpbox_err err;

	if (name == NULL)
		return OTPBOX_ERR_NOMEM;
	snprintf(name, n, "fetch:%s", account);
	err = store_lock_take(st, name, errbuf, errlen);
	free(name);
	return err;
}

enum otpbox_err
store_lock_check(struct store *st)
{
	return st->backend->lock_check(st);
}

void
store_keep_lock_only(struct store *st)
{
	if (st->backend->keep_lock_only)
		st->backend->keep_lock_only(st);
}

void
store_lock_release(struct store *st)
{
	if (st)
		st->backend->lock_release(st);
}

enum otpbox_err
store_changes_watch(struct store *st, const char *address,
                    bool *may_have_changed)
{
	return st->backend->changes_watch(st, address, may_have_changed);
}

enum otpbox_err
store_changes_sleep(struct store *st, int timeout_ms, int cancel_fd,
                    enum store_changes_event *ev)
{
	return st->backend->changes_sleep(st, timeout_ms, cancel_fd, ev);
}

void
store_changes_done(struct store *st)
{
	if (st->backend->changes_done)
		st->backend->changes_done(st);
}

int
store_changes_interval_ms(const struct store *st)
{
	return st->backend->changes_interval_ms(st);
}

enum otpbox_err
store_changes_check(struct store *st, char *errbuf, size_t errlen)
{
	if (st->backend->changes_check)
		return st->backend->changes_check(st, errbuf, errlen);
	snprintf(errbuf, errlen,
	         "the server's notifications wake each bot for its own "
	         "address");
	return OTPBOX_OK;
}
