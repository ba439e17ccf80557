/* SPDX-License-Identifier: MIT */
/* flock(2) on a file beside the database: released by the kernel when the
 * holder dies, so a crashed fetcher never leaves a stale lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fetch_lock.h"
#include "safe_file.h"

enum otpbox_err
fetch_lock_take(const char *db_path, int *fd_out, char *errbuf, size_t errlen)
{
	size_t n = strlen(db_path) + sizeof(".lock");
	char *path = malloc(n);
	int fd;

	*fd_out = -1;
	if (path == NULL)
		return OTPBOX_ERR_NOMEM;
	snprintf(path, n, "%s.lock", db_path);
	/* The folder may be group-writable: never follow a planted link. */
	if (safe_file_open(path, O_RDWR | O_CREAT, 0600, SAFE_FILE_OURS, &fd,
	                   errbuf, errlen)) {
		free(path);
		return OTPBOX_ERR_IO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(errbuf, errlen, "another otpbox fetch holds %s", path);
		close(fd);
		free(path);
		return OTPBOX_ERR_LOCKED;
	}
	free(path);
	*fd_out = fd;
	return OTPBOX_OK;
}

void
fetch_lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
