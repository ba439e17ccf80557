/* SPDX-License-Identifier: MIT */
/* Reads secrets from the environment, ./.env, a file or a command, and
 * never puts one into a message. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf_env.h"
#include "conf_secret.h"
#include "secret_buf.h"

#define CONF_SECRET_MAX (64 * 1024)

/* One read of a secret; the first problem's words stay here. */
struct conf_secret_reader {
	const char *what; /* "password", "client secret", ... */
	char *errbuf;
	size_t errlen;
	bool failed;
};

static enum otpbox_err conf_secret_fail(struct conf_secret_reader *r,
                                        const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum otpbox_err
conf_secret_fail(struct conf_secret_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed || r->errlen == 0)
		return OTPBOX_ERR_SECRET;
	r->failed = true;
	va_start(ap, fmt);
	vsnprintf(r->errbuf, r->errlen, fmt, ap);
	va_end(ap);
	return OTPBOX_ERR_SECRET;
}

bool
conf_secret_file_check(const struct stat *st, const char *path,
                       bool holds_secret, char *buf, size_t len)
{
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		snprintf(buf, len,
		         "%s belongs to uid %ld, not to you (uid %ld) or "
		         "root; run 'chown %ld %s' if it is really yours",
		         path, (long)st->st_uid, (long)geteuid(),
		         (long)geteuid(), path);
		return false;
	}
	if (holds_secret && (st->st_mode & 077)) {
		snprintf(buf, len,
		         "%s is readable by group or others; run 'chmod 600 "
		         "%s'",
		         path, path);
		return false;
	}
	return true;
}

/* Reads at most CONF_SECRET_MAX bytes of fd into a new string without
 * the line ends a file or a command leaves after the secret. */
static enum otpbox_err
conf_secret_read_fd(int fd, char **out)
{
	size_t len;
	enum otpbox_err err =
	    secret_buf_read_fd(fd, CONF_SECRET_MAX, out, &len);

	if (err)
		return err;
	while (len > 0 && ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r'))
		(*out)[--len] = '\0';
	return OTPBOX_OK;
}

static enum otpbox_err
conf_secret_from_file(struct conf_secret_reader *r, const char *path,
                      char **out)
{
	enum otpbox_err err;
	char why[512];
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return conf_secret_fail(r, "%s file %s: %s", r->what, path,
		                        strerror(errno));
	if (fstat(fd, &st) < 0 ||
	    !conf_secret_file_check(&st, path, true, why, sizeof(why))) {
		close(fd);
		return conf_secret_fail(r, "%s file %s", r->what, why);
	}
	err = conf_secret_read_fd(fd, out);
	close(fd);
	if (err)
		return conf_secret_fail(r, "%s file %s: %s", r->what, path,
		                        otpbox_strerror(err));
	return OTPBOX_OK;
}

static enum otpbox_err
conf_secret_from_command(struct conf_secret_reader *r, const char *command,
                         char **out)
{
	enum otpbox_err err;
	int pipefd[2], status;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0 || (pid = fork()) < 0)
		return conf_secret_fail(r, "%s command: %s", r->what,
		                        strerror(errno));
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	err = conf_secret_read_fd(pipefd[0], out);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (err == OTPBOX_OK &&
	    (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !**out)) {
		conf_secret_free(*out);
		*out = NULL;
		return conf_secret_fail(
		    r, "%s command failed (exit status %d) or printed nothing",
		    r->what, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	if (err)
		return conf_secret_fail(r, "%s command: %s", r->what,
		                        otpbox_strerror(err));
	return OTPBOX_OK;
}

static enum otpbox_err
conf_secret_from_env(struct conf_secret_reader *r,
                     const struct conf_secret *secret, char **out)
{
	const char *v = conf_env_lookup(secret->dotenv, secret->env);

	if (v == NULL || !*v)
		return conf_secret_fail(r,
		                        "%s: environment variable %s is not "
		                        "set (or put it in ./.env)",
		                        r->what, secret->env);
	*out = strdup(v);
	return *out ? OTPBOX_OK : OTPBOX_ERR_NOMEM;
}

enum otpbox_err
conf_secret_read(const struct conf_secret *secret, const char *what, char **out,
                 char *errbuf, size_t errlen)
{
	struct conf_secret_reader r = {what, errbuf, errlen, false};

	*out = NULL;
	if (errlen)
		*errbuf = '\0';
	if (secret->file)
		return conf_secret_from_file(&r, secret->file, out);
	if (secret->command)
		return conf_secret_from_command(&r, secret->command, out);
	if (secret->env == NULL)
		return conf_secret_fail(&r, "no %s configured", what);
	return conf_secret_from_env(&r, secret, out);
}

void
conf_secret_free(char *secret)
{
	secret_buf_free(secret);
}
