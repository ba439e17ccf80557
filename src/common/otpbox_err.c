/* SPDX-License-Identifier: MIT */
/* Text for each otpbox error value. */
#include "otpbox_err.h"

const char *
otpbox_strerror(enum otpbox_err err)
{
	switch (err) {
	case OTPBOX_OK:
		return "success";
	case OTPBOX_ERR_NOMEM:
		return "out of memory";
	case OTPBOX_ERR_IO:
		return "input/output error";
	case OTPBOX_ERR_USAGE:
		return "invalid argument";
	case OTPBOX_ERR_CONFIG:
		return "invalid configuration";
	case OTPBOX_ERR_NO_DB:
		return "database does not exist";
	case OTPBOX_ERR_NOT_OTPBOX_DB:
		return "not an otpbox database";
	case OTPBOX_ERR_SCHEMA_TOO_NEW:
		return "database was written by a newer otpbox";
	case OTPBOX_ERR_DB:
		return "database error";
	case OTPBOX_ERR_BUSY:
		return "database is locked";
	case OTPBOX_ERR_LOCKED:
		return "another otpbox process is running";
	case OTPBOX_ERR_TIMEOUT:
		return "timed out";
	case OTPBOX_ERR_BAD_ADDRESS:
		return "invalid e-mail address";
	case OTPBOX_ERR_NOT_FOUND:
		return "not found";
	case OTPBOX_ERR_PARSE:
		return "malformed input";
	case OTPBOX_ERR_TOO_BIG:
		return "input too large";
	case OTPBOX_ERR_PROTOCOL:
		return "IMAP protocol error";
	case OTPBOX_ERR_NET:
		return "server unreachable or connection lost";
	case OTPBOX_ERR_TLS:
		return "TLS failure";
	case OTPBOX_ERR_AUTH:
		return "authentication refused";
	case OTPBOX_ERR_TOKEN:
		return "OAuth2 token request failed";
	case OTPBOX_ERR_INTERRUPTED:
		return "interrupted";
	case OTPBOX_ERR_SECRET:
		return "secret could not be read";
	}
	return "unknown error";
}
