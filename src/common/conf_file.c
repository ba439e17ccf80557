/* SPDX-License-Identifier: MIT */
/* Picks and reads the configuration file and resolves the database path:
 * where things are, apart from what the parser makes of them. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_file.h"

/* A configuration file is a few kilobytes; refuse what cannot be one. */
#define CONF_FILE_MAX (1024 * 1024)

enum otpbox_err
conf_file_fail(char **errors, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (errors && *errors == NULL)
		*errors = msg;
	else
		free(msg);
	return OTPBOX_ERR_CONFIG;
}

const char *
conf_file_pick(const char *path)
{
	const char *env = getenv("OTPBOX_CONFIG");

	if (path)
		return path;
	if (env && *env)
		return env;
	return access(CONF_SYSTEM_FILE, F_OK) == 0 ? CONF_SYSTEM_FILE : NULL;
}

/* libconfig's scanner exits the process when a read fails (a directory
 * does that), so the parser is only ever given text read here. */
enum otpbox_err
conf_file_read(const char *path, char **text, char **errors)
{
	size_t len = 0, cap;
	struct stat st;
	ssize_t n = 0;
	int fd;

	memset(&st, 0, sizeof(st));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return conf_file_fail(errors, "%s: cannot open: %s\n", path,
		                      strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONF_FILE_MAX) {
		close(fd);
		return conf_file_fail(
		    errors, "%s: %s; give the path of the configuration file\n",
		    path,
		    S_ISDIR(st.st_mode)    ? "is a directory"
		    : !S_ISREG(st.st_mode) ? "is not a regular file"
		                           : "is larger than 1 MiB");
	}
	cap = (size_t)st.st_size + 1;
	if ((*text = malloc(cap)) == NULL) {
		close(fd);
		return OTPBOX_ERR_NOMEM;
	}
	while (len + 1 < cap &&
	       ((n = read(fd, *text + len, cap - len - 1)) > 0 ||
	        (n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	(*text)[len] = '\0';
	close(fd);
	if (n < 0)
		return conf_file_fail(errors, "%s: cannot read: %s\n", path,
		                      strerror(errno));
	return OTPBOX_OK;
}

char *
conf_file_database_dup(const char *override, const char *configured)
{
	const char *env = getenv("OTPBOX_DB"), *home, *state;
	char *path = NULL;

	if (override && *override)
		return strdup(override);
	if (env && *env)
		return strdup(env);
	if (configured)
		return strdup(configured);
	if (geteuid() == 0)
		return strdup(CONF_SYSTEM_DATABASE);
	if ((state = getenv("XDG_STATE_HOME")) && *state) {
		if (asprintf(&path, "%s/otpbox/otpbox.db", state) < 0)
			path = NULL;
	} else if ((home = getenv("HOME")) && *home) {
		if (asprintf(&path, "%s/.local/state/otpbox/otpbox.db", home) <
		    0)
			path = NULL;
	} else
		path = strdup("otpbox.db");
	return path;
}
