/* SPDX-License-Identifier: MIT */
/* Turns token endpoint errors and IMAP refusals of a token into messages
 * that say what to fix; reads a JWT's claims (unverified) for the clues. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth2.h" /* the default scopes */
#include "oauth2_explain.h"
#include "secret_buf.h"

/* Exchange Online's audiences: the two URIs and its application id. */
static const char *const oauth2_explain_exchange_auds[] = {
    "https://outlook.office365.com",
    "https://outlook.office.com",
    "00000002-0000-0ff1-ce00-000000000000",
    NULL,
};

/* What to do about one AADSTS code. Microsoft warns that codes change, so
 * the standard OAuth2 error decides when the code is unknown, and the
 * message always quotes Microsoft's own first line. */
struct oauth2_explain_hint {
	long code;
	const char *hint;
};

#define OAUTH2_EXPLAIN_SCOPE                                                   \
	"the scope is wrong (a token for another service, such as Graph, "     \
	"does not open IMAP): remove 'scope' from the oauth2 group to use "    \
	"the default (" OAUTH2_SCOPE_APP " for client_credentials, "           \
	"IMAP.AccessAsUser.All offline_access for refresh_token)"
#define OAUTH2_EXPLAIN_REFRESH                                                 \
	"the refresh token has expired or was revoked: sign in again "         \
	"(docs/m365-setup.md, delegated sign-in) and store the new refresh "   \
	"token in refresh_token_file"
#define OAUTH2_EXPLAIN_CONSENT                                                 \
	"consent is missing: an administrator must grant admin consent for "   \
	"the app's Office 365 Exchange Online permission (IMAP.AccessAsApp "   \
	"for client_credentials, IMAP.AccessAsUser.All for refresh_token)"
#define OAUTH2_EXPLAIN_INTERACTIVE                                             \
	"Microsoft wants an interactive sign-in (multi-factor or Conditional " \
	"Access): sign in again interactively, or use the app-only "           \
	"client_credentials flow"

static const struct oauth2_explain_hint oauth2_explain_codes[] = {
    {7000215, "the client secret is wrong: use the secret's Value "
              "(shown once, when it was created), not its Secret ID"},
    {7000222, "the client secret has expired: create a new one under "
              "Certificates & secrets in the app registration"},
    {700016, "no app with this client_id in this tenant: copy "
             "Application (client) ID and Directory (tenant) ID from the "
             "app registration's Overview page"},
    {90002, "tenant not found: set tenant to the Directory (tenant) ID "
            "or a verified domain of the organisation"},
    {900023, "tenant is neither a GUID nor a domain name: set tenant to "
             "the Directory (tenant) ID"},
    {70011, OAUTH2_EXPLAIN_SCOPE},
    {1002012, OAUTH2_EXPLAIN_SCOPE},
    {500011, "the scope names a service this tenant does not have "
             "(wrong audience): use " OAUTH2_SCOPE_APP ", or remove "
             "'scope'; the tenant needs Exchange Online"},
    {65001, OAUTH2_EXPLAIN_CONSENT},
    {7000218, "the app wants a client secret: set client_secret_env, "
              "client_secret_file or client_secret_command"},
    {700025, "the app is a public client, which takes no secret: remove "
             "the client_secret_* settings"},
    {70008, OAUTH2_EXPLAIN_REFRESH},
    {700082, OAUTH2_EXPLAIN_REFRESH},
    {700084, OAUTH2_EXPLAIN_REFRESH},
    {50173, OAUTH2_EXPLAIN_REFRESH},
    {9002313, "the refresh token in refresh_token_file is damaged or "
              "incomplete: sign in again and store the whole token"},
    {50076, OAUTH2_EXPLAIN_INTERACTIVE},
    {50079, OAUTH2_EXPLAIN_INTERACTIVE},
    {53003, "a Conditional Access policy blocks this sign-in: ask an "
            "administrator to exempt the app, or use client_credentials"},
    {50057, "the user account is disabled"},
    {7000112, "the application is disabled: enable it under Enterprise "
              "applications"},
    {0, NULL},
};

/* When Microsoft's code is unknown, the standard OAuth2 error decides. */
static const struct {
	const char *error;
	const char *hint;
} oauth2_explain_errors[] = {
    {"invalid_client", "client authentication failed: check client_id "
                       "and the client secret"},
    {"unauthorized_client", "this app may not use this flow: check "
                            "client_id and tenant; without a secret, "
                            "the refresh_token flow needs 'Allow public "
                            "client flows' in the app registration"},
    {"invalid_scope", OAUTH2_EXPLAIN_SCOPE},
    {"invalid_grant", OAUTH2_EXPLAIN_REFRESH},
    {"consent_required", OAUTH2_EXPLAIN_CONSENT},
    {"interaction_required", OAUTH2_EXPLAIN_INTERACTIVE},
    {"unsupported_grant_type", "the endpoint does not take this request: "
                               "token_endpoint must be a Microsoft "
                               "identity platform v2.0 /token URL"},
    {"invalid_request", "the endpoint does not take this request: check "
                        "tenant and token_endpoint"},
    {NULL, NULL},
};

void
oauth2_explain_first_line(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; s && *s && *s != '\r' && *s != '\n' && n + 1 < len; s++)
		if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			out[n++] = *s;
	out[n] = '\0';
}

void
oauth2_explain_error(const char *error, const char *description, char *buf,
                     size_t len)
{
	const char *hint = "check the app registration (docs/m365-setup.md, "
	                   "Troubleshooting)";
	const char *aad;
	char first[320];
	long code = 0;
	size_t i;

	oauth2_explain_first_line(description, first, sizeof(first));
	if (description && (aad = strstr(description, "AADSTS")) != NULL)
		code = strtol(aad + 6, NULL, 10);
	for (i = 0; error && oauth2_explain_errors[i].error; i++)
		if (!strcmp(error, oauth2_explain_errors[i].error))
			hint = oauth2_explain_errors[i].hint;
	for (i = 0; code && oauth2_explain_codes[i].hint; i++)
		if (oauth2_explain_codes[i].code == code)
			hint = oauth2_explain_codes[i].hint;
	snprintf(buf, len,
	         "the token endpoint refused the sign-in: %s [%s%s%s]", hint,
	         error ? error : "no error code", *first ? ": " : "", first);
}

/* Decodes base64url (no padding) into a new NUL-terminated string. */
static char *
oauth2_explain_b64url(const char *in, size_t len)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned long acc = 0;
	size_t n = 0, bits = 0, i;
	const char *p;
	char *out;

	if ((out = malloc(len * 3 / 4 + 2)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (in[i] == '=')
			break;
		if ((p = strchr(abc, in[i])) == NULL || !in[i]) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned long)(p - abc);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	return out;
}

/* The claims object of a JWT, signature unchecked; NULL if not a JWT. */
static json_t *
oauth2_explain_jwt(const char *token)
{
	const char *dot1, *dot2;
	json_t *claims;
	char *json;

	if (token == NULL || (dot1 = strchr(token, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL)
		return NULL;
	json = oauth2_explain_b64url(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (json == NULL)
		return NULL;
	claims = json_loads(json, 0, NULL);
	secret_buf_free(json);
	if (!json_is_object(claims)) {
		json_decref(claims);
		return NULL;
	}
	return claims;
}

time_t
oauth2_explain_jwt_exp(const char *token)
{
	json_t *claims = oauth2_explain_jwt(token);
	json_t *exp = json_object_get(claims, "exp");
	time_t t = json_is_integer(exp) ? (time_t)json_integer_value(exp) : 0;

	json_decref(claims);
	return t > 0 ? t : 0;
}

/* Whether the JSON string or array v holds word (space-separated). */
static bool
oauth2_explain_claim_has(const json_t *v, const char *word)
{
	const char *s;
	size_t i, n = strlen(word);

	if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++)
			if (oauth2_explain_claim_has(json_array_get(v, i),
			                             word))
				return true;
		return false;
	}
	for (s = json_string_value(v); s && (s = strstr(s, word)); s += n)
		if (s[n] == '\0' || s[n] == ' ')
			return true;
	return false;
}

void
oauth2_explain_claims_read(struct oauth2_explain_claims *c, const char *token)
{
	json_t *claims = oauth2_explain_jwt(token);
	const char *aud = json_string_value(json_object_get(claims, "aud"));
	size_t i;

	memset(c, 0, sizeof(*c));
	if (claims == NULL)
		return;
	c->known = true;
	c->microsoft = json_object_get(claims, "tid") != NULL;
	snprintf(c->aud, sizeof(c->aud), "%s", aud ? aud : "");
	for (i = 0; aud && oauth2_explain_exchange_auds[i]; i++)
		if (!strcmp(aud, oauth2_explain_exchange_auds[i]))
			c->exchange = true;
	c->app_role = oauth2_explain_claim_has(json_object_get(claims, "roles"),
	                                       "IMAP.AccessAsApp");
	c->user_scope = oauth2_explain_claim_has(json_object_get(claims, "scp"),
	                                         "IMAP.AccessAsUser.All");
	json_decref(claims);
}

long
oauth2_explain_backoff(const char *text)
{
	const char *p = strcasestr(text, "Backoff Time:");
	long ms;

	if (p == NULL)
		return strcasestr(text, "throttled") ? 60 : 0;
	ms = strtol(p + strlen("Backoff Time:"), NULL, 10);
	if (ms <= 0)
		return 60;
	return ms > 3600L * 1000 ? 3600 : (ms + 999) / 1000;
}

void
oauth2_explain_refusal(const struct oauth2_explain_claims *c, bool app,
                       const char *server_text, char *buf, size_t len,
                       long *backoff)
{
	*backoff = oauth2_explain_backoff(server_text ? server_text : "");
	if (*backoff)
		snprintf(buf, len,
		         "Microsoft is throttling this client and "
		         "asks for %ld s of quiet: keep one long-lived "
		         "connection per mailbox",
		         *backoff);
	else if (server_text && strcasestr(server_text, "not connected"))
		snprintf(buf, len,
		         "the token was accepted but it may not open "
		         "this mailbox: register the app's service principal "
		         "in Exchange (New-ServicePrincipal, with the "
		         "Enterprise application's Object ID) and grant it "
		         "FullAccess on the mailbox (Add-MailboxPermission); "
		         "'user' must be the mailbox's own address");
	else if (c->known && c->microsoft && !c->exchange)
		snprintf(buf, len,
		         "the token is for '%s', not Exchange "
		         "Online: remove 'scope' from the oauth2 group to use "
		         "the default",
		         c->aud);
	else if (c->known && c->microsoft && app && !c->app_role)
		snprintf(buf, len,
		         "the token carries no IMAP.AccessAsApp "
		         "role: add Office 365 Exchange Online > "
		         "IMAP.AccessAsApp to the app's API permissions and "
		         "grant admin consent");
	else if (c->known && c->microsoft && !app && !c->user_scope)
		snprintf(buf, len,
		         "the token lacks IMAP.AccessAsUser.All: add "
		         "that delegated permission and sign in again");
	else
		snprintf(buf, len,
		         "the server refused the token: check that "
		         "'user' is the mailbox address, IMAP is enabled for "
		         "the mailbox, and (app-only) the service principal "
		         "and mailbox permission exist (docs/m365-setup.md)");
}
