/* SPDX-License-Identifier: MIT */
/* Opening the files otpbox keeps beside the database (lock, notify, the
 * database itself) so that a link planted there is never followed. */
#ifndef OTPBOX_SAFE_FILE_H
#define OTPBOX_SAFE_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "otpbox_err.h"

/* Who may own the file. */
enum safe_file_owner {
	/* the running user or root only */
	SAFE_FILE_OURS = 0,
	/* also any member of a shared group: the file's group is that of
	 * its set-group-ID directory (README: chmod 2770 on the folder), as
	 * when a waiter of the group created the notify file first */
	SAFE_FILE_SHARED,
};

/*
 * Checks the open file fd named path: a regular file (not a FIFO or
 * device), one link only (no hard link to a file elsewhere), and owned as
 * owner allows. Returns OTPBOX_OK, or OTPBOX_ERR_IO with a sentence in
 * errbuf (may be NULL) naming the file and what to do.
 */
enum otpbox_err safe_file_check(int fd, const char *path,
                                enum safe_file_owner owner, char *errbuf,
                                size_t errlen);

/*
 * open(2)s path with flags (O_RDONLY, O_WRONLY or O_RDWR, maybe O_CREAT
 * and O_EXCL; never O_TRUNC) plus O_NOFOLLOW and O_CLOEXEC, mode for a
 * new file, then safe_file_check()s it. A symbolic link is refused
 * without touching its target. Never blocks on a FIFO. On OTPBOX_OK *fd
 * is the caller's to close; on OTPBOX_ERR_IO *fd is -1, errno is the
 * open(2) error (0 for a refused file) and errbuf (may be NULL) says why.
 */
enum otpbox_err safe_file_open(const char *path, int flags, mode_t mode,
                               enum safe_file_owner owner, int *fd,
                               char *errbuf, size_t errlen);

#endif
