/* SPDX-License-Identifier: MIT */
/* Reads and checks the otpbox configuration, reporting every error at once. */
#include <libconfig.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_file.h"
#include "extract.h"

/* The pattern check belongs to the extractor (PCRE2), on the fetch side.
 * libotpbox links only the wait side and reads no more than `database`, so
 * the reference is weak: without the extractor, patterns go unchecked. */
#pragma weak extract_pattern_check

#define CONF_ERRORS_MAX 100
/* The seed's file of KEY=VALUE lines, in the working directory. */
#define CONF_DOTENV_FILE ".env"

/* Collected problems: one line each, "file:line: message". */
/* One collected problem and the line it names (0: none). */
struct conf_err_line {
	int line;
	size_t order; /* keeps errors on one line in the order found */
	char *text;   /* "file:line: message\n" */
};

/* Collected problems, joined in file order by conf_errs_join(). */
struct conf_errs {
	struct conf_err_line v[CONF_ERRORS_MAX];
	size_t n;
	int count; /* all problems, also those past CONF_ERRORS_MAX */
	const char *file;
	const struct conf_env *dotenv; /* for $M365_EMAIL; may be NULL */
};

enum conf_type {
	CONF_T_STRING,
	CONF_T_INT,
	CONF_T_LONG,
	CONF_T_BOOL,
	CONF_T_STRLIST,
	CONF_T_ENUM,
	CONF_T_GROUP,
	CONF_T_LIST
};

/* One known setting: where its value goes inside the target struct. */
struct conf_key {
	const char *name;
	enum conf_type type;
	size_t off;    /* offset of the field (count follows a list) */
	long min, max; /* for integers */
	const char *const *choices; /* for enums, NULL-terminated */
};

static const char *const conf_auth_names[] = {"password", "xoauth2", NULL};
static const char *const conf_tls_names[] = {"implicit", "starttls", "none",
                                             NULL};
static const char *const conf_flow_names[] = {"client_credentials",
                                              "refresh_token", NULL};

/* One line per kind of setting reads best here. */
/* clang-format off */
#define CK_S(s, f) { #f, CONF_T_STRING, offsetof(s, f), 0, 0, NULL }
#define CK_I(s, f, lo, hi) { #f, CONF_T_INT, offsetof(s, f), lo, hi, NULL }
#define CK_B(s, f) { #f, CONF_T_BOOL, offsetof(s, f), 0, 0, NULL }
#define CK_L(s, f) { #f, CONF_T_STRLIST, offsetof(s, f), 0, 0, NULL }
#define CK_E(s, f, c) { #f, CONF_T_ENUM, offsetof(s, f), 0, 0, c }
#define CK_SEC(s, n, f, k) { n, CONF_T_STRING, offsetof(s, f.k), 0, 0, NULL }
/* clang-format on */

static const struct conf_key conf_oauth2_keys[] = {
    CK_S(struct conf_oauth2, tenant),
    CK_S(struct conf_oauth2, client_id),
    CK_SEC(struct conf_oauth2, "client_secret_env", client_secret, env),
    CK_SEC(struct conf_oauth2, "client_secret_file", client_secret, file),
    CK_SEC(struct conf_oauth2, "client_secret_command", client_secret, command),
    CK_E(struct conf_oauth2, flow, conf_flow_names),
    CK_S(struct conf_oauth2, refresh_token_file),
    CK_S(struct conf_oauth2, token_endpoint),
    CK_S(struct conf_oauth2, scope),
    CK_S(struct conf_oauth2, ca_file),
    CK_S(struct conf_oauth2, access_token_command),
    {NULL, 0, 0, 0, 0, NULL},
};

static const struct conf_key conf_account_keys[] = {
    CK_S(struct conf_account, name),
    CK_S(struct conf_account, user),
    CK_S(struct conf_account, mailbox),
    CK_E(struct conf_account, auth, conf_auth_names),
    CK_SEC(struct conf_account, "password_env", password, env),
    CK_SEC(struct conf_account, "password_file", password, file),
    CK_SEC(struct conf_account, "password_command", password, command),
    CK_S(struct conf_account, host),
    CK_I(struct conf_account, port, 1, 65535),
    CK_E(struct conf_account, tls, conf_tls_names),
    CK_B(struct conf_account, allow_plaintext),
    CK_S(struct conf_account, ca_file),
    CK_I(struct conf_account, timeout_seconds, 1, 3600),
    CK_L(struct conf_account, folders),
    CK_L(struct conf_account, domains),
    CK_L(struct conf_account, recipient_headers),
    CK_S(struct conf_account, authserv_id),
    {"oauth2", CONF_T_GROUP, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};

#define CF(f) offsetof(struct conf, f)
static const struct conf_key conf_root_keys[] = {
    {"database", CONF_T_STRING, CF(database), 0, 0, NULL},
    {"database_password_env", CONF_T_STRING, CF(database_password.env), 0, 0,
     NULL},
    {"database_password_file", CONF_T_STRING, CF(database_password.file), 0, 0,
     NULL},
    {"database_password_command", CONF_T_STRING, CF(database_password.command),
     0, 0, NULL},
    {"accounts", CONF_T_LIST, 0, 0, 0, NULL},
    {"fetch", CONF_T_GROUP, 0, 0, 0, NULL},
    {"wait", CONF_T_GROUP, 0, 0, 0, NULL},
    {"extract", CONF_T_GROUP, 0, 0, 0, NULL},
    {"status", CONF_T_GROUP, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};

static const struct conf_key conf_fetch_keys[] = {
    {"idle", CONF_T_BOOL, CF(fetch.idle), 0, 0, NULL},
    {"poll_interval_seconds", CONF_T_INT, CF(fetch.poll_interval_seconds), 1,
     3600, NULL},
    {"max_message_bytes", CONF_T_LONG, CF(fetch.max_message_bytes), 1024,
     64L * 1024 * 1024, NULL},
    {"retention_days", CONF_T_INT, CF(fetch.retention_days), 0, 36500, NULL},
    {"batch_size", CONF_T_INT, CF(fetch.batch_size), 1, 10000, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};

static const struct conf_key conf_wait_keys[] = {
    {"timeout_seconds", CONF_T_INT, CF(wait.timeout_seconds), 0, 86400, NULL},
    {"max_email_age_seconds", CONF_T_INT, CF(wait.max_email_age_seconds), 1,
     30L * 86400, NULL},
    {"senders", CONF_T_STRLIST, CF(wait.senders), 0, 0, NULL},
    {"require_authenticated_sender", CONF_T_BOOL,
     CF(wait.require_authenticated_sender), 0, 0, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};

static const struct conf_key conf_status_keys[] = {
    {"max_sync_age_seconds", CONF_T_INT, CF(status.max_sync_age_seconds), 10,
     30L * 86400, NULL},
    {"max_heartbeat_age_seconds", CONF_T_INT,
     CF(status.max_heartbeat_age_seconds), 10, 86400, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};

static const struct conf_key conf_extract_keys[] = {
    {"custom_patterns", CONF_T_STRLIST, CF(extract.custom_patterns), 0, 0,
     NULL},
    {"rules", CONF_T_LIST, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};

static void conf_err(struct conf_errs *errs, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
conf_err(struct conf_errs *errs, int line, const char *fmt, ...)
{
	char msg[512];
	char *text;
	va_list ap;

	if (++errs->count > CONF_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((line > 0 ? asprintf(&text, "%s:%d: %s\n", errs->file, line, msg)
	              : asprintf(&text, "%s: %s\n", errs->file, msg)) < 0)
		return;
	errs->v[errs->n] = (struct conf_err_line){line, errs->n, text};
	errs->n++;
}

static char *
conf_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Levenshtein distance, for "did you mean" on unknown settings. */
static size_t
conf_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, up;
	size_t row[64];

	if (lb >= sizeof(row) / sizeof(row[0]))
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			cur = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			row[j] = cur;
			prev = up;
		}
	}
	return row[lb];
}

static const struct conf_key *
conf_find_key(const struct conf_key *keys, const char *name)
{
	for (; keys->name; keys++)
		if (!strcmp(keys->name, name))
			return keys;
	return NULL;
}

static void
conf_unknown(struct conf_errs *errs, const config_setting_t *s,
             const char *path, const struct conf_key *keys)
{
	const struct conf_key *best = NULL;
	size_t d, bestd = 3;

	for (; keys->name; keys++) {
		d = conf_distance(config_setting_name(s), keys->name);
		if (d < bestd) {
			bestd = d;
			best = keys;
		}
	}
	if (best)
		conf_err(errs, config_setting_source_line(s),
		         "unknown setting '%s%s' (did you mean '%s'?)", path,
		         config_setting_name(s), best->name);
	else
		conf_err(errs, config_setting_source_line(s),
		         "unknown setting '%s%s'", path,
		         config_setting_name(s));
}

static void
conf_strlist_free(char **list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static void
conf_set_strlist(struct conf_errs *errs, const config_setting_t *s,
                 const char *path, char ***list, size_t *n)
{
	int i, len;
	const config_setting_t *e;

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		conf_err(errs, config_setting_source_line(s),
		         "setting '%s%s' must be a list of strings, e.g. "
		         "[ \"a\", \"b\" ]",
		         path, config_setting_name(s));
		return;
	}
	len = config_setting_length(s);
	conf_strlist_free(*list, *n);
	*list = calloc((size_t)len + 1, sizeof(char *));
	*n = 0;
	if (*list == NULL)
		return;
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_err(errs, config_setting_source_line(e),
			         "setting '%s%s' must contain only strings",
			         path, config_setting_name(s));
			continue;
		}
		(*list)[(*n)++] = strdup(config_setting_get_string(e));
	}
}

static void
conf_set_enum(struct conf_errs *errs, const config_setting_t *s,
              const char *path, const struct conf_key *k, int *field)
{
	const char *v = config_setting_get_string(s);
	char choices[128] = "";
	int i;

	for (i = 0; v && k->choices[i]; i++)
		if (!strcmp(v, k->choices[i])) {
			*field = i;
			return;
		}
	for (i = 0; k->choices[i]; i++) {
		strncat(choices, i ? ", " : "",
		        sizeof(choices) - strlen(choices) - 1);
		strncat(choices, k->choices[i],
		        sizeof(choices) - strlen(choices) - 1);
	}
	conf_err(errs, config_setting_source_line(s),
	         "setting '%s%s' must be one of: %s", path, k->name, choices);
}

/* One extract.rules entry: { from = "..."; pattern = "..."; }, its
 * pattern compiled now so that a bad one names its line. */
static void
conf_apply_rule(struct conf_errs *errs, const config_setting_t *r, int i,
                struct conf *conf)
{
	const config_setting_t *m;
	const char *v[2] = {NULL, NULL}, *names[2] = {"from", "pattern"};
	char msg[200];
	int k, n = config_setting_is_group(r) ? config_setting_length(r) : -1;

	if (n < 0)
		conf_err(errs, config_setting_source_line(r),
		         "extract.rules[%d] must be a group { from = ...; "
		         "pattern = ...; }",
		         i);
	for (k = 0; k < n; k++) {
		m = config_setting_get_elem(r, (unsigned)k);
		if (!strcmp(config_setting_name(m), "from") ||
		    !strcmp(config_setting_name(m), "pattern"))
			v[config_setting_name(m)[0] == 'p'] =
			    config_setting_get_string(m);
		else
			conf_err(errs, config_setting_source_line(m),
			         "unknown setting 'extract.rules[%d].%s'", i,
			         config_setting_name(m));
	}
	for (k = 0; k < 2 && n >= 0; k++)
		if (!v[k] || !*v[k])
			conf_err(errs, config_setting_source_line(r),
			         "extract.rules[%d].%s must be a non-empty "
			         "string",
			         i, names[k]);
	if (n < 0 || !v[0] || !*v[0] || !v[1] || !*v[1])
		return;
	if (extract_pattern_check &&
	    extract_pattern_check(v[1], msg, sizeof(msg))) {
		m = config_setting_get_member(r, "pattern");
		conf_err(errs, config_setting_source_line(m),
		         "extract.rules[%d].pattern: %s", i, msg);
		return;
	}
	conf->extract.rule_from[conf->extract.nrules] = strdup(v[0]);
	conf->extract.rule_pattern[conf->extract.nrules++] = strdup(v[1]);
}

static void
conf_apply_rules(struct conf_errs *errs, const config_setting_t *s,
                 struct conf *conf)
{
	int i, n;

	if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
		conf_err(errs, config_setting_source_line(s),
		         "setting 'extract.rules' must be a list ( { ... } )");
		return;
	}
	n = config_setting_length(s);
	conf->extract.rule_from = calloc((size_t)n + 1, sizeof(char *));
	conf->extract.rule_pattern = calloc((size_t)n + 1, sizeof(char *));
	if (!conf->extract.rule_from || !conf->extract.rule_pattern)
		return;
	for (i = 0; i < n; i++)
		conf_apply_rule(errs, config_setting_get_elem(s, (unsigned)i),
		                i, conf);
}

/* Stores the value of s into base + k->off according to k->type. */
static void
conf_set_value(struct conf_errs *errs, const config_setting_t *s,
               const char *path, const struct conf_key *k, void *base)
{
	char *field = (char *)base + k->off;
	int type = config_setting_type(s);
	long long v;

	switch (k->type) {
	case CONF_T_STRING:
	case CONF_T_ENUM:
		if (type != CONFIG_TYPE_STRING) {
			conf_err(errs, config_setting_source_line(s),
			         "setting '%s%s' must be a string in double "
			         "quotes",
			         path, k->name);
			return;
		}
		if (k->type == CONF_T_ENUM) {
			conf_set_enum(errs, s, path, k, (int *)field);
			return;
		}
		free(*(char **)field);
		*(char **)field = strdup(config_setting_get_string(s));
		return;
	case CONF_T_INT:
	case CONF_T_LONG:
		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
			conf_err(errs, config_setting_source_line(s),
			         "setting '%s%s' must be a whole number", path,
			         k->name);
			return;
		}
		v = config_setting_get_int64(s);
		if (v < k->min || v > k->max) {
			conf_err(errs, config_setting_source_line(s),
			         "setting '%s%s' is %lld; it must be from %ld "
			         "to %ld",
			         path, k->name, v, k->min, k->max);
			return;
		}
		if (k->type == CONF_T_LONG)
			*(long *)field = (long)v;
		else
			*(int *)field = (int)v;
		return;
	case CONF_T_BOOL:
		if (type != CONFIG_TYPE_BOOL) {
			conf_err(errs, config_setting_source_line(s),
			         "setting '%s%s' must be true or false", path,
			         k->name);
			return;
		}
		*(bool *)field = config_setting_get_bool(s);
		return;
	case CONF_T_STRLIST:
		conf_set_strlist(errs, s, path, (char ***)field,
		                 (size_t *)(field + sizeof(char **)));
		return;
	case CONF_T_GROUP:
	case CONF_T_LIST:
		return; /* handled by the caller */
	}
}

/* Applies every member of group s using keys; groups/lists are returned to
 * the caller through the callback-free check below. */
static void
conf_apply_group(struct conf_errs *errs, const config_setting_t *s,
                 const char *path, const struct conf_key *keys, void *base)
{
	const config_setting_t *m;
	const struct conf_key *k;
	int i, n;

	if (!config_setting_is_group(s)) {
		conf_err(errs, config_setting_source_line(s),
		         "setting '%.*s' must be a group { ... }",
		         (int)strcspn(path, "."), path);
		return;
	}
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		m = config_setting_get_elem(s, (unsigned)i);
		k = conf_find_key(keys, config_setting_name(m));
		if (k == NULL)
			conf_unknown(errs, m, path, keys);
		else if (k->type != CONF_T_GROUP && k->type != CONF_T_LIST)
			conf_set_value(errs, m, path, k, base);
	}
}

static void
conf_account_defaults(struct conf_account *a)
{
	a->auth = CONF_AUTH_PASSWORD;
	a->port = 0;
	a->tls = CONF_TLS_IMPLICIT;
	a->timeout_seconds = 120;
	a->oauth2.flow = CONF_OAUTH2_CLIENT_CREDENTIALS;
}

static int
conf_secret_count(const struct conf_secret *s)
{
	return (s->env != NULL) + (s->file != NULL) + (s->command != NULL);
}

static void
conf_check_oauth2(struct conf_errs *errs, struct conf_account *a,
                  const char *path)
{
	struct conf_oauth2 *o = &a->oauth2;

	if (!a->has_oauth2) {
		conf_err(errs, a->line,
		         "%s: auth = \"xoauth2\" needs an "
		         "'oauth2' group (tenant, client_id, client secret)",
		         path);
		return;
	}
	if (o->access_token_command)
		return;
	if (o->client_id == NULL)
		conf_err(errs, a->line, "%s.oauth2: 'client_id' is missing",
		         path);
	if (o->tenant == NULL && o->token_endpoint == NULL)
		conf_err(errs, a->line,
		         "%s.oauth2: 'tenant' (or "
		         "'token_endpoint') is missing",
		         path);
	if (conf_secret_count(&o->client_secret) > 1)
		conf_err(errs, a->line,
		         "%s.oauth2: give only one of "
		         "client_secret_env, client_secret_file and "
		         "client_secret_command",
		         path);
	if (o->flow == CONF_OAUTH2_CLIENT_CREDENTIALS &&
	    conf_secret_count(&o->client_secret) == 0)
		conf_err(errs, a->line,
		         "%s.oauth2: the client_credentials "
		         "flow needs client_secret_env, client_secret_file or "
		         "client_secret_command",
		         path);
	if (o->flow == CONF_OAUTH2_REFRESH_TOKEN &&
	    o->refresh_token_file == NULL)
		conf_err(errs, a->line,
		         "%s.oauth2: the refresh_token flow "
		         "needs 'refresh_token_file'",
		         path);
}

/* Cross-setting rules and defaults for one account. */
static void
conf_finish_account(struct conf_errs *errs, struct conf_account *a, size_t idx)
{
	char path[64];
	const char *env_user;

	snprintf(path, sizeof(path), "accounts[%zu]", idx);
	if (a->user == NULL &&
	    (env_user = conf_env_lookup(errs->dotenv, CONF_DEFAULT_EMAIL_ENV)))
		a->user = strdup(env_user);
	if (a->user == NULL || !*a->user)
		conf_err(errs, a->line, "%s: 'user' is missing (or set $%s)",
		         path, CONF_DEFAULT_EMAIL_ENV);
	if (a->name == NULL) {
		char name[32];

		snprintf(name, sizeof(name), "account%zu", idx + 1);
		a->name = strdup(name);
	}
	if (a->mailbox == NULL && a->user)
		a->mailbox = strdup(a->user);
	if (a->host == NULL)
		a->host = strdup(CONF_DEFAULT_HOST);
	if (a->port == 0)
		a->port = a->tls == CONF_TLS_IMPLICIT ? 993 : 143;
	if (a->tls == CONF_TLS_NONE && !a->allow_plaintext)
		conf_err(errs, a->line,
		         "%s.tls: tls = \"none\" sends the password "
		         "unencrypted; also set allow_plaintext = true if you "
		         "really mean it",
		         path);
	if (a->nfolders == 0) {
		a->folders = calloc(2, sizeof(char *));
		if (a->folders && (a->folders[0] = strdup(CONF_DEFAULT_FOLDER)))
			a->nfolders = 1;
	}
	if (conf_secret_count(&a->password) > 1)
		conf_err(errs, a->line,
		         "%s: give only one of password_env, "
		         "password_file and password_command",
		         path);
	if (a->auth == CONF_AUTH_PASSWORD &&
	    conf_secret_count(&a->password) == 0)
		a->password.env = strdup(CONF_DEFAULT_PASSWORD_ENV);
	if (a->auth == CONF_AUTH_XOAUTH2)
		conf_check_oauth2(errs, a, path);
	else if (a->has_oauth2)
		conf_err(errs, a->line,
		         "%s: an 'oauth2' group is only used "
		         "with auth = \"xoauth2\"",
		         path);
}

static void
conf_apply_accounts(struct conf_errs *errs, const config_setting_t *list,
                    struct conf *conf)
{
	const config_setting_t *s, *o;
	struct conf_account *a;
	char path[64];
	int i, n;

	if (!config_setting_is_list(list) && !config_setting_is_array(list)) {
		conf_err(errs, config_setting_source_line(list),
		         "setting 'accounts' must be a list: ( { ... }, ... )");
		return;
	}
	n = config_setting_length(list);
	conf->accounts = calloc((size_t)n + 1, sizeof(*conf->accounts));
	if (conf->accounts == NULL)
		return;
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(list, (unsigned)i);
		a = &conf->accounts[conf->naccounts++];
		conf_account_defaults(a);
		a->line = config_setting_source_line(s);
		snprintf(path, sizeof(path), "accounts[%d].", i);
		conf_apply_group(errs, s, path, conf_account_keys, a);
		if (config_setting_is_group(s) &&
		    (o = config_setting_get_member(s, "oauth2")) != NULL) {
			a->has_oauth2 = true;
			snprintf(path, sizeof(path), "accounts[%d].oauth2.", i);
			conf_apply_group(errs, o, path, conf_oauth2_keys,
			                 &a->oauth2);
		}
	}
}

static void
conf_defaults(struct conf *conf)
{
	conf->fetch.idle = true;
	conf->fetch.poll_interval_seconds = 3;
	conf->fetch.max_message_bytes = 262144;
	conf->fetch.retention_days = 30;
	conf->fetch.batch_size = 200;
	conf->wait.timeout_seconds = 120;
	conf->wait.max_email_age_seconds = 600;
	conf->status.max_sync_age_seconds = 900;
	conf->status.max_heartbeat_age_seconds = 120;
}

/* wait.senders: an address, a domain or a glob each, as `otpbox wait
 * --from` takes them. */
static void
conf_check_senders(struct conf_errs *errs, const config_setting_t *list)
{
	const config_setting_t *e;
	const char *p, *v;
	int i, n = config_setting_length(list);

	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, (unsigned)i);
		if ((v = config_setting_get_string(e)) == NULL)
			continue; /* the type error is reported already */
		for (p = v; *p; p++)
			if ((unsigned char)*p <= 0x20 ||
			    strchr("\"(),:;<>[\\]", *p))
				break;
		if (*v && !*p && strlen(v) <= 255 && *v != '.' &&
		    (!strchr(v, '@') || !strchr(strchr(v, '@') + 1, '@')))
			continue;
		conf_err(errs, config_setting_source_line(e),
		         "wait.senders: '%s' is not an address, a domain or a"
		         " glob such as *@*.example.com",
		         v);
	}
}

static void
conf_apply_root(struct conf_errs *errs, const config_t *cfg, struct conf *conf)
{
	const config_setting_t *root = config_root_setting(cfg), *s;
	static const struct {
		const char *name;
		const struct conf_key *keys;
	} groups[] = {
	    {"fetch", conf_fetch_keys},
	    {"wait", conf_wait_keys},
	    {"extract", conf_extract_keys},
	    {"status", conf_status_keys},
	};
	size_t i;

	conf_apply_group(errs, root, "", conf_root_keys, conf);
	if ((s = config_lookup(cfg, "extract.rules")) != NULL)
		conf_apply_rules(errs, s, conf);
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		s = config_setting_get_member(root, groups[i].name);
		if (s) {
			char path[32];

			snprintf(path, sizeof(path), "%s.", groups[i].name);
			conf_apply_group(errs, s, path, groups[i].keys, conf);
		}
	}
	if ((s = config_setting_get_member(root, "accounts")) != NULL)
		conf_apply_accounts(errs, s, conf);
	if ((s = config_lookup(cfg, "wait.senders")) != NULL)
		conf_check_senders(errs, s);
}

/* With no account in the file, the seed's environment makes one. */
static void
conf_env_account(struct conf *conf)
{
	struct conf_account *a;

	if (conf->naccounts > 0 ||
	    conf_env_lookup(conf->dotenv, CONF_DEFAULT_EMAIL_ENV) == NULL)
		return;
	conf->accounts = calloc(1, sizeof(*conf->accounts));
	if (conf->accounts == NULL)
		return;
	conf->naccounts = 1;
	a = conf->accounts;
	conf_account_defaults(a);
	a->name = strdup("m365");
}

static void
conf_check_names(struct conf_errs *errs, struct conf *conf)
{
	size_t i, j;

	for (i = 0; i < conf->naccounts; i++)
		for (j = 0; j < i; j++)
			if (conf->accounts[i].name && conf->accounts[j].name &&
			    !strcmp(conf->accounts[i].name,
			            conf->accounts[j].name))
				conf_err(errs, conf->accounts[i].line,
				         "account name '%s' is used twice",
				         conf->accounts[i].name);
}

static int
conf_err_line_cmp(const void *a, const void *b)
{
	const struct conf_err_line *x = a, *y = b;
	unsigned xl = (unsigned)x->line - 1, yl = (unsigned)y->line - 1;

	/* Line 0 (no line) wraps to the largest value: those come last. */
	if (xl != yl)
		return xl < yl ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Joins the collected errors in the order of the lines they name, so a
 * user reads them top to bottom as in the file; frees the entries. */
static char *
conf_errs_join(struct conf_errs *errs)
{
	size_t i, len = 64, off = 0;
	char *out;

	qsort(errs->v, errs->n, sizeof(errs->v[0]), conf_err_line_cmp);
	for (i = 0; i < errs->n; i++)
		len += strlen(errs->v[i].text);
	if ((out = malloc(len)) != NULL) {
		for (i = 0; i < errs->n; i++)
			off +=
			    (size_t)sprintf(out + off, "%s", errs->v[i].text);
		if (errs->count > CONF_ERRORS_MAX)
			sprintf(out + off, "... and %d more errors\n",
			        errs->count - CONF_ERRORS_MAX);
	}
	for (i = 0; i < errs->n; i++)
		free(errs->v[i].text);
	errs->n = 0;
	return out;
}

/* Turns a parsed libconfig tree (or none) into *out. Takes dotenv (NULL
 * for none): it belongs to *out, or is freed on error. */
static enum otpbox_err
conf_build(const config_t *cfg, const char *name, struct conf_env *dotenv,
           struct conf **out, char **errors)
{
	struct conf_errs errs = {.file = name ? name : "environment",
	                         .dotenv = dotenv};
	struct conf *conf;
	char *text;
	size_t i;

	*out = NULL;
	conf = calloc(1, sizeof(*conf));
	if (conf == NULL) {
		conf_env_free(dotenv);
		return OTPBOX_ERR_NOMEM;
	}
	conf->dotenv = dotenv;
	conf_defaults(conf);
	conf->path = conf_strdup(name);
	if (cfg)
		conf_apply_root(&errs, cfg, conf);
	conf_env_account(conf);
	for (i = 0; i < conf->naccounts; i++)
		conf_finish_account(&errs, &conf->accounts[i], i);
	conf_check_names(&errs, conf);
	if (conf_secret_count(&conf->database_password) > 1)
		conf_err(
		    &errs, 0,
		    "give only one of database_password_env, "
		    "database_password_file and database_password_command");
	if (errs.count) {
		text = conf_errs_join(&errs);
		if (errors)
			*errors = text;
		else
			free(text);
		conf_free(conf);
		return OTPBOX_ERR_CONFIG;
	}
	*out = conf;
	return OTPBOX_OK;
}

static enum otpbox_err
conf_syntax_error(const config_t *cfg, const char *name, char **errors)
{
	const char *file = config_error_file(cfg);
	char *msg;
	size_t len = strlen(file ? file : name) + 160;

	msg = malloc(len);
	if (msg)
		snprintf(msg, len, "%s:%d: syntax error: %s\n",
		         file ? file : name, config_error_line(cfg),
		         config_error_text(cfg));
	if (errors)
		*errors = msg;
	else
		free(msg);
	return OTPBOX_ERR_CONFIG;
}

/* Parses text (NULL: no file) read from name; takes dotenv. */
static enum otpbox_err
conf_parse(const char *text, const char *name, struct conf_env *dotenv,
           struct conf **out, char **errors)
{
	enum otpbox_err err;
	config_t cfg;
	char *dir;

	if (text == NULL)
		return conf_build(NULL, NULL, dotenv, out, errors);
	config_init(&cfg);
	/* @include "x" inside the file is relative to the file itself. */
	if ((dir = strdup(name)) != NULL) {
		config_set_include_dir(&cfg, dirname(dir));
		free(dir);
	}
	if (!config_read_string(&cfg, text)) {
		conf_env_free(dotenv);
		err = conf_syntax_error(&cfg, name, errors);
	} else
		err = conf_build(&cfg, name, dotenv, out, errors);
	config_destroy(&cfg);
	return err;
}

enum otpbox_err
conf_load_string(const char *text, const char *name, struct conf **out,
                 char **errors)
{
	*out = NULL;
	if (errors)
		*errors = NULL;
	return conf_parse(text, name, NULL, out, errors);
}

/* Reads ./.env for the program (conf_env.h); *out NULL when absent. */
static enum otpbox_err
conf_read_dotenv(struct conf_env **out, char **errors)
{
	char cwd[4096], path[4096 + sizeof(CONF_DOTENV_FILE) + 1];
	enum otpbox_err err;

	/* Messages name the file in full: the user may not know the
	 * directory a service was started in. */
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		snprintf(path, sizeof(path), "%s", CONF_DOTENV_FILE);
	else
		snprintf(path, sizeof(path), "%s/%s",
		         strcmp(cwd, "/") ? cwd : "", CONF_DOTENV_FILE);
	if ((err = conf_env_new(out)) != OTPBOX_OK)
		return err;
	err = conf_env_read(*out, path);
	if (err == OTPBOX_ERR_CONFIG)
		err = conf_file_fail(errors, "%s\n", conf_env_error(*out));
	return err;
}

/* Lets the accounts' env secrets see ./.env, keeps only the keys they and
 * $M365_EMAIL name, and refuses a .env that others can read a secret in. */
static enum otpbox_err
conf_apply_dotenv(struct conf *conf, char **errors)
{
	struct conf_env *env = conf->dotenv;
	enum otpbox_err err;
	struct conf_account *a;
	size_t i;

	err = conf_env_allow(env, CONF_ENV_EMAIL, false);
	conf->database_password.dotenv = env;
	if (err == OTPBOX_OK && conf->database_password.env)
		err = conf_env_allow(env, conf->database_password.env, true);
	for (i = 0; i < conf->naccounts && err == OTPBOX_OK; i++) {
		a = &conf->accounts[i];
		a->password.dotenv = env;
		a->oauth2.client_secret.dotenv = env;
		if (a->password.env)
			err = conf_env_allow(env, a->password.env, true);
		if (err == OTPBOX_OK && a->oauth2.client_secret.env)
			err = conf_env_allow(env, a->oauth2.client_secret.env,
			                     true);
	}
	if (err == OTPBOX_OK && (err = conf_env_check(env)) != OTPBOX_OK)
		return conf_file_fail(errors, "%s\n", conf_env_error(env));
	if (err == OTPBOX_OK && conf_env_warnings(env) &&
	    (conf->warnings = strdup(conf_env_warnings(env))) == NULL)
		err = OTPBOX_ERR_NOMEM;
	return err;
}

enum otpbox_err
conf_load_flags(const char *path, unsigned flags, struct conf **out,
                char **errors)
{
	struct conf_env *dotenv = NULL;
	enum otpbox_err err = OTPBOX_OK;
	char *text = NULL;

	*out = NULL;
	if (errors)
		*errors = NULL;
	if (flags & CONF_LOAD_DOTENV)
		err = conf_read_dotenv(&dotenv, errors);
	path = conf_file_pick(path);
	if (err == OTPBOX_OK && path)
		err = conf_file_read(path, &text, errors);
	if (err) {
		conf_env_free(dotenv);
		goto out;
	}
	err = conf_parse(text, path, dotenv, out, errors);
	if (err == OTPBOX_OK && dotenv &&
	    (err = conf_apply_dotenv(*out, errors)) != OTPBOX_OK) {
		conf_free(*out);
		*out = NULL;
	}
out:
	free(text);
	return err;
}

enum otpbox_err
conf_load(const char *path, struct conf **out, char **errors)
{
	return conf_load_flags(path, CONF_LOAD_DOTENV, out, errors);
}

static void
conf_secret_clear(struct conf_secret *s)
{
	free(s->env);
	free(s->file);
	free(s->command);
}

static void
conf_account_clear(struct conf_account *a)
{
	free(a->name);
	free(a->user);
	free(a->mailbox);
	conf_secret_clear(&a->password);
	free(a->host);
	free(a->ca_file);
	conf_strlist_free(a->folders, a->nfolders);
	conf_strlist_free(a->domains, a->ndomains);
	conf_strlist_free(a->recipient_headers, a->nrecipient_headers);
	free(a->authserv_id);
	free(a->oauth2.tenant);
	free(a->oauth2.client_id);
	conf_secret_clear(&a->oauth2.client_secret);
	free(a->oauth2.refresh_token_file);
	free(a->oauth2.token_endpoint);
	free(a->oauth2.scope);
	free(a->oauth2.ca_file);
	free(a->oauth2.access_token_command);
}

void
conf_free(struct conf *conf)
{
	size_t i;

	if (conf == NULL)
		return;
	free(conf->path);
	free(conf->database);
	conf_secret_clear(&conf->database_password);
	free(conf->warnings);
	conf_env_free(conf->dotenv);
	for (i = 0; i < conf->naccounts; i++)
		conf_account_clear(&conf->accounts[i]);
	free(conf->accounts);
	conf_strlist_free(conf->wait.senders, conf->wait.nsenders);
	conf_strlist_free(conf->extract.custom_patterns,
	                  conf->extract.ncustom_patterns);
	conf_strlist_free(conf->extract.rule_from, conf->extract.nrules);
	conf_strlist_free(conf->extract.rule_pattern, conf->extract.nrules);
	free(conf);
}

const char *
conf_database(struct conf *conf, const char *override)
{
	char *path = conf_file_database_dup(override, conf->database);

	/* Unchanged: keep the string a caller may still hold. */
	if (path && conf->database && !strcmp(path, conf->database)) {
		free(path);
		return conf->database;
	}
	free(conf->database);
	conf->database = path;
	return path;
}
