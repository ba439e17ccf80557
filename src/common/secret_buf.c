/* SPDX-License-Identifier: MIT */
/* Wipe-and-free and wipe-on-grow for buffers holding passwords and tokens. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

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
