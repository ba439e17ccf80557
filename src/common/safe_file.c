/* SPDX-License-Identifier: MIT */
/* The database folder may be writable by a group of bot users: anything
 * otpbox opens there, often as root, must be its own plain file. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_file.h"

static enum otpbox_err safe_file_fail(char *errbuf, size_t errlen,
                                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum otpbox_err
safe_file_fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf && errlen) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return OTPBOX_ERR_IO;
}

/* True when st's group is the group of its set-group-ID directory. */
static bool
safe_file_group_shared(const char *path, const struct stat *st)
{
	struct stat dst;
	char *copy = strdup(path);
	bool shared;

	if (copy == NULL)
		return false;
	shared = stat(dirname(copy), &dst) == 0 && (dst.st_mode & S_ISGID) &&
	         dst.st_gid == st->st_gid;
	free(copy);
	return shared;
}

enum otpbox_err
safe_file_check(int fd, const char *path, enum safe_file_owner owner,
                char *errbuf, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return safe_file_fail(errbuf, errlen, "%s: %s", path,
		                      strerror(errno));
	if (!S_ISREG(st.st_mode))
		return safe_file_fail(errbuf, errlen,
		                      "%s is not a regular file; otpbox "
		                      "refuses it: remove it",
		                      path);
	if (st.st_nlink != 1)
		return safe_file_fail(errbuf, errlen,
		                      "%s has %lu hard links; otpbox refuses "
		                      "links beside the database: remove it",
		                      path, (unsigned long)st.st_nlink);
	if (st.st_uid != geteuid() && st.st_uid != 0 &&
	    !(owner == SAFE_FILE_SHARED && safe_file_group_shared(path, &st)))
		return safe_file_fail(errbuf, errlen,
		                      "%s belongs to uid %ld, not to this user "
		                      "(uid %ld) or root; remove it (otpbox "
		                      "makes it again)",
		                      path, (long)st.st_uid, (long)geteuid());
	return OTPBOX_OK;
}

enum otpbox_err
safe_file_open(const char *path, int flags, mode_t mode,
               enum safe_file_owner owner, int *fd, char *errbuf, size_t errlen)
{
	int saved;

	*fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode);
	if (*fd < 0) {
		saved = errno;
		if (saved == ELOOP)
			safe_file_fail(errbuf, errlen,
			               "%s is a symbolic link; otpbox refuses "
			               "links beside the database: remove it",
			               path);
		else
			safe_file_fail(errbuf, errlen, "cannot open %s: %s",
			               path, strerror(saved));
		errno = saved;
		return OTPBOX_ERR_IO;
	}
	/* O_NONBLOCK only kept a FIFO from hanging the open. */
	if (safe_file_check(*fd, path, owner, errbuf, errlen) != OTPBOX_OK ||
	    fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		close(*fd);
		*fd = -1;
		errno = 0;
		return OTPBOX_ERR_IO;
	}
	return OTPBOX_OK;
}
