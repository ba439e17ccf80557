/* SPDX-License-Identifier: MIT */
/* Wipe-and-free and wipe-on-grow for buffers holding passwords and tokens. */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret_buf.h"

void
secret_buf_free(void *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

enum otpbox_err
secret_buf_grow(char **buf, size_t len, size_t *cap, size_t need)
{
	size_t size = *cap * 2 > need ? *cap * 2 : need;
	char *grown;

	if (need <= *cap)
		return OTPBOX_OK;
	if ((grown = malloc(size)) == NULL)
		return OTPBOX_ERR_NOMEM;
	if (len)
		memcpy(grown, *buf, len);
	secret_buf_free(*buf);
	*buf = grown;
	*cap = size;
	return OTPBOX_OK;
}

enum otpbox_err
secret_buf_read_fd(int fd, size_t max, char **out, size_t *lenp)
{
	size_t len = 0, cap = 256;
	char *buf = malloc(cap);
	enum otpbox_err err = OTPBOX_OK;
	ssize_t n;

	*out = NULL;
	if (buf == NULL)
		return OTPBOX_ERR_NOMEM;
	for (;;) {
		if (len + 1 >= cap && cap >= max) {
			err = OTPBOX_ERR_TOO_BIG;
			goto out;
		}
		if ((err = secret_buf_grow(&buf, len, &cap, len + 2)))
			goto out;
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = OTPBOX_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	if (lenp)
		*lenp = len;
out:
	secret_buf_free(buf);
	return err;
}
