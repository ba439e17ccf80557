/* SPDX-License-Identifier: MIT */
/* What went wrong with an OAuth2 sign-in, phrased as what to fix. */
#ifndef OTPBOX_OAUTH2_EXPLAIN_H
#define OTPBOX_OAUTH2_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* What an access token's claims tell about a refusal (never the token). */
struct oauth2_explain_claims {
	bool known;      /* the token is a JWT whose claims could be read */
	bool microsoft;  /* it has a tid claim: issued by Microsoft Entra */
	bool exchange;   /* aud is Exchange Online */
	bool app_role;   /* roles holds IMAP.AccessAsApp */
	bool user_scope; /* scp holds IMAP.AccessAsUser.All */
	char aud[128];
};

/* Writes the fix for an OAuth2 error reply (the error code and
 * Microsoft's error_description, either may be NULL) into buf, quoting
 * the description's first line. */
void oauth2_explain_error(const char *error, const char *description, char *buf,
                          size_t len);
/* Copies the first line of s without control characters (Microsoft
 * puts trace ids on later lines). s may be NULL. */
void oauth2_explain_first_line(const char *s, char *out, size_t len);
/* Reads token's claims without checking its signature; c->known is false
 * when it is not a JWT. */
void oauth2_explain_claims_read(struct oauth2_explain_claims *c,
                                const char *token);
/* The exp claim of a JWT, signature unchecked; 0 if none. */
time_t oauth2_explain_jwt_exp(const char *token);
/* Seconds Microsoft asks for in "Request is throttled. Suggested Backoff
 * Time: N milliseconds" (60 for "throttled" without a time), else 0. */
long oauth2_explain_backoff(const char *server_text);
/*
 * Writes the likely cause of an IMAP server's refusal of a token (its
 * reply text) and the fix into buf, using the token's claims c; app is
 * true for the app-only flow. *backoff as oauth2_explain_backoff().
 */
void oauth2_explain_refusal(const struct oauth2_explain_claims *c, bool app,
                            const char *server_text, char *buf, size_t len,
                            long *backoff);

#endif
