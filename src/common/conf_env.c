/* SPDX-License-Identifier: MIT */
/* Reads ./.env into a private table: nothing from it reaches the process
 * environment (SSL_CERT_FILE, OPENSSL_CONF, LD_* would change what the
 * process trusts or loads), and only documented keys survive. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_env.h"
#include "conf_secret.h"
#include "secret_buf.h"

/* A .env is a few lines; anything larger is not one. */
#define CONF_ENV_MAX (1024 * 1024)

struct conf_env_entry {
	char *key;
	char *value; /* may be a secret: wiped on free */
	int line;
};

struct conf_env_name {
	char *name;
	bool secret;
};

struct conf_env {
	struct conf_env_entry *v;
	size_t n, cap;
	struct conf_env_name *names; /* the keys otpbox reads */
	size_t nnames;
	char *path; /* the file read, NULL when none */
	struct stat st;
	char error[512];
	char *warnings;
};

static enum otpbox_err conf_env_fail(struct conf_env *env, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum otpbox_err
conf_env_fail(struct conf_env *env, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(env->error, sizeof(env->error), fmt, ap);
	va_end(ap);
	return OTPBOX_ERR_CONFIG;
}

enum otpbox_err
conf_env_new(struct conf_env **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? OTPBOX_OK : OTPBOX_ERR_NOMEM;
}

static void
conf_env_entry_clear(struct conf_env_entry *e)
{
	free(e->key);
	secret_buf_free(e->value);
	e->key = e->value = NULL;
}

void
conf_env_free(struct conf_env *env)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = 0; i < env->n; i++)
		conf_env_entry_clear(&env->v[i]);
	free(env->v);
	for (i = 0; i < env->nnames; i++)
		free(env->names[i].name);
	free(env->names);
	free(env->path);
	free(env->warnings);
	free(env);
}

static struct conf_env_entry *
conf_env_find(const struct conf_env *env, const char *key)
{
	size_t i;

	for (i = 0; env && i < env->n; i++)
		if (!strcmp(env->v[i].key, key))
			return &env->v[i];
	return NULL;
}

/* Removes one pair of matching quotes and trailing blanks, in place. */
static char *
conf_env_unquote(char *v)
{
	size_t len = strlen(v);

	while (len > 0 &&
	       (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '\r'))
		v[--len] = '\0';
	if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
		v[len - 1] = '\0';
		return v + 1;
	}
	return v;
}

static enum otpbox_err
conf_env_add(struct conf_env *env, const char *key, const char *value, int line)
{
	struct conf_env_entry *grown;

	if (conf_env_find(env, key))
		return OTPBOX_OK; /* the first one wins, as before */
	if (env->n == env->cap) {
		grown = realloc(env->v, (env->cap * 2 + 8) * sizeof(*grown));
		if (grown == NULL)
			return OTPBOX_ERR_NOMEM;
		env->v = grown;
		env->cap = env->cap * 2 + 8;
	}
	env->v[env->n].key = strdup(key);
	env->v[env->n].value = strdup(value);
	env->v[env->n].line = line;
	if (env->v[env->n].key == NULL || env->v[env->n].value == NULL) {
		conf_env_entry_clear(&env->v[env->n]);
		return OTPBOX_ERR_NOMEM;
	}
	env->n++;
	return OTPBOX_OK;
}

/* One line, NUL-terminated without its newline; changed in place. */
static enum otpbox_err
conf_env_parse_line(struct conf_env *env, char *line, int lineno)
{
	char *key = line + strspn(line, " \t"), *eq;

	if (!strncmp(key, "export ", 7))
		key += 7 + strspn(key + 7, " \t");
	if (*key == '#' || (eq = strchr(key, '=')) == NULL)
		return OTPBOX_OK;
	*eq = '\0';
	key[strcspn(key, " \t")] = '\0';
	if (*key == '\0')
		return OTPBOX_OK;
	return conf_env_add(
	    env, key, conf_env_unquote(eq + 1 + strspn(eq + 1, " \t")), lineno);
}

static enum otpbox_err
conf_env_parse(struct conf_env *env, char *text)
{
	enum otpbox_err err = OTPBOX_OK;
	char *line = text, *nl;
	int lineno = 0;

	while (err == OTPBOX_OK && *line) {
		lineno++;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		err = conf_env_parse_line(env, line, lineno);
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	return err;
}

enum otpbox_err
conf_env_read(struct conf_env *env, const char *path)
{
	enum otpbox_err err;
	char *text = NULL, why[512];
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return OTPBOX_OK;
	if (fd < 0)
		return conf_env_fail(env, "%s: cannot read: %s", path,
		                     strerror(errno));
	if (fstat(fd, &env->st) < 0 || !S_ISREG(env->st.st_mode)) {
		close(fd);
		return conf_env_fail(env, "%s: not a regular file; remove it",
		                     path);
	}
	if (!conf_secret_file_check(&env->st, path, false, why, sizeof(why))) {
		close(fd);
		return conf_env_fail(env, "%s", why);
	}
	err = secret_buf_read_fd(fd, CONF_ENV_MAX, &text, NULL);
	close(fd);
	if (err == OTPBOX_OK && (env->path = strdup(path)) == NULL)
		err = OTPBOX_ERR_NOMEM;
	if (err == OTPBOX_OK)
		err = conf_env_parse(env, text);
	secret_buf_free(text);
	if (err && err != OTPBOX_ERR_NOMEM)
		return conf_env_fail(env, "%s: %s", path, otpbox_strerror(err));
	return err;
}

enum otpbox_err
conf_env_allow(struct conf_env *env, const char *name, bool secret)
{
	struct conf_env_name *grown;
	size_t i;

	for (i = 0; i < env->nnames; i++)
		if (!strcmp(env->names[i].name, name)) {
			env->names[i].secret |= secret;
			return OTPBOX_OK;
		}
	grown = realloc(env->names, (env->nnames + 1) * sizeof(*grown));
	if (grown == NULL)
		return OTPBOX_ERR_NOMEM;
	env->names = grown;
	if ((grown[env->nnames].name = strdup(name)) == NULL)
		return OTPBOX_ERR_NOMEM;
	grown[env->nnames++].secret = secret;
	return OTPBOX_OK;
}

static const struct conf_env_name *
conf_env_name_find(const struct conf_env *env, const char *key)
{
	size_t i;

	for (i = 0; i < env->nnames; i++)
		if (!strcmp(env->names[i].name, key))
			return &env->names[i];
	return NULL;
}

static void
conf_env_warn(struct conf_env *env, const struct conf_env_entry *e)
{
	char *more;

	if (asprintf(&more,
	             "%s%s:%d: %s is not read from .env (only %s, the "
	             "password_env and client_secret_env names); ignored\n",
	             env->warnings ? env->warnings : "", env->path, e->line,
	             e->key, CONF_ENV_EMAIL) < 0)
		return;
	free(env->warnings);
	env->warnings = more;
}

enum otpbox_err
conf_env_check(struct conf_env *env)
{
	const struct conf_env_name *name;
	const char *secret_key = NULL;
	size_t i, kept = 0;

	for (i = 0; i < env->n; i++) {
		name = conf_env_name_find(env, env->v[i].key);
		if (name == NULL) {
			conf_env_warn(env, &env->v[i]);
			conf_env_entry_clear(&env->v[i]);
			continue;
		}
		if (name->secret && secret_key == NULL)
			secret_key = name->name;
		env->v[kept++] = env->v[i];
	}
	env->n = kept;
	if (secret_key && (env->st.st_mode & 077))
		return conf_env_fail(env,
		                     "%s holds %s but group or others can read "
		                     "it; run 'chmod 600 %s'",
		                     env->path, secret_key, env->path);
	return OTPBOX_OK;
}

const char *
conf_env_lookup(const struct conf_env *env, const char *name)
{
	const struct conf_env_entry *e;
	const char *v = getenv(name);

	if (v)
		return v;
	e = conf_env_find(env, name);
	return e ? e->value : NULL;
}

const char *
conf_env_error(const struct conf_env *env)
{
	return env->error;
}

const char *
conf_env_warnings(const struct conf_env *env)
{
	return env->warnings;
}
