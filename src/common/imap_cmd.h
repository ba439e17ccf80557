/* SPDX-License-Identifier: MIT */
/* Pieces of IMAP command lines: quoted strings and mailbox names in
 * modified UTF-7 (RFC 3501 5.1.3). Pure; no I/O. */
#ifndef IMAP_CMD_H
#define IMAP_CMD_H

#include <stddef.h>

#include "otpbox_err.h"

/*
 * Writes s as an IMAP quoted string ("..." with \ before " and \) into
 * out[0..cap), NUL-terminated. s must be printable ASCII or 8-bit text
 * without NUL, CR or LF (those need a literal). Errors: OTPBOX_ERR_PARSE (a
 * CR or LF in s), OTPBOX_ERR_TOO_BIG (out too small; out is then "").
 */
enum otpbox_err imap_cmd_quote(const char *s, char *out, size_t cap);

/*
 * Writes the UTF-8 mailbox name as it goes on the wire: modified UTF-7
 * ("Courrier indésirable" -> "Courrier ind&AOk-sirable"), quoted. out is
 * NUL-terminated. Errors: OTPBOX_ERR_PARSE (name is not valid UTF-8 or is
 * empty), OTPBOX_ERR_TOO_BIG (out too small; out is then "").
 */
enum otpbox_err imap_cmd_mailbox(const char *name, char *out, size_t cap);

/*
 * Modified UTF-7 of the UTF-8 name into out[0..cap), NUL-terminated,
 * without quotes. Errors as imap_cmd_mailbox().
 */
enum otpbox_err imap_cmd_utf7(const char *name, char *out, size_t cap);

#endif
