/* SPDX-License-Identifier: MIT */
/* sd_notify(3) by hand. libsystemd is not linked for one datagram: the
 * protocol is stable and documented for exactly this (systemd's own
 * sd_notify(3) gives a free-standing implementation), and the fetcher
 * then runs unchanged where libsystemd is absent (containers, other init
 * systems, the static test builds) with one dependency less to ship. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sd_notify.h"

bool
sd_notify_enabled(void)
{
	const char *path = getenv("NOTIFY_SOCKET");

	return path != NULL && path[0] != '\0';
}

/* Fills *sa from $NOTIFY_SOCKET; returns its length, 0 if unusable. */
static socklen_t
sd_notify_addr(const char *path, struct sockaddr_un *sa)
{
	size_t len = strlen(path);

	if ((path[0] != '/' && path[0] != '@') || len < 2 ||
	    len > sizeof(sa->sun_path) - (path[0] == '/'))
		return 0;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, len);
	if (path[0] == '@')
		sa->sun_path[0] = '\0'; /* abstract: no NUL at the end */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	                   (path[0] == '/'));
}

enum otpbox_err
sd_notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t salen;
	ssize_t n;
	int fd, saved;

	if (path == NULL || path[0] == '\0')
		return OTPBOX_OK;
	if ((salen = sd_notify_addr(path, &sa)) == 0)
		return OTPBOX_ERR_CONFIG;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return OTPBOX_ERR_IO;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	           (struct sockaddr *)&sa, salen);
	saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(state) ? OTPBOX_OK : OTPBOX_ERR_IO;
}

uint64_t
sd_notify_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"),
	           *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (usec == NULL || !sd_notify_enabled())
		return 0;
	if (pid != NULL && *pid != '\0') {
		long p = strtol(pid, &end, 10);

		if (*end != '\0' ||
		    (p != (long)getpid() && p != (long)getppid()))
			return 0;
	}
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno || end == usec || *end != '\0')
		return 0;
	return (uint64_t)v;
}
