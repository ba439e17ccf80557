/* SPDX-License-Identifier: MIT */
/* Heap buffers that held a secret: wiped before their memory is reused. */
#ifndef OTPBOX_SECRET_BUF_H
#define OTPBOX_SECRET_BUF_H

#include <stddef.h>

#include "otpbox_err.h"

/* Wipes the whole allocation p (all of malloc_usable_size(), not only up
 * to a NUL) and frees it. p must come from malloc(); NULL is fine. Fits
 * as a free function for libraries (jansson) that copy secrets. */
void secret_buf_free(void *p);

/*
 * Grows *buf (of *cap bytes, the first len of them in use) to hold at
 * least need bytes: a new buffer of max(need, 2 * *cap) bytes gets the
 * len bytes, and the old one is wiped and freed, so no copy of the secret
 * is left behind as realloc() would. Returns OTPBOX_OK, or
 * OTPBOX_ERR_NOMEM with *buf and *cap unchanged (still the caller's).
 */
enum otpbox_err secret_buf_grow(char **buf, size_t len, size_t *cap,
                                size_t need);

/*
 * Reads fd to its end into a new NUL-terminated buffer that grows with
 * secret_buf_grow(), so no stale copy is left on the heap. *len (may be
 * NULL) gets the bytes read. Returns OTPBOX_OK with *out the caller's
 * (free it with secret_buf_free()), OTPBOX_ERR_TOO_BIG past max bytes,
 * OTPBOX_ERR_IO on a read error, OTPBOX_ERR_NOMEM; *out is then NULL.
 */
enum otpbox_err secret_buf_read_fd(int fd, size_t max, char **out, size_t *len);

#endif
