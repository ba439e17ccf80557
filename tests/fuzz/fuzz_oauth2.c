/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: what a token endpoint or an IMAP server sends about
 * OAuth2 (a reply body, a token's claims, a refusal text) must never crash
 * the parsers, and a parsed token must be one a SASL line can carry. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oauth2.h"
#include "oauth2_explain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_token(const char *t)
{
	if (t == NULL)
		return;
	for (; *t; t++)
		if (*t <= 0x20 || *t >= 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 400, 401, 429, 503};
	struct oauth2_explain_claims claims;
	struct oauth2_reply r;
	char errbuf[512], *text;
	long status;

	if (size == 0)
		return 0;
	status = statuses[data[0] % 5];
	if (oauth2_reply_parse(status, (const char *)data + 1, size - 1, &r,
	                       errbuf, sizeof(errbuf)) == OTPBOX_OK) {
		if (r.access_token == NULL)
			abort();
		check_token(r.access_token);
		check_token(r.refresh_token);
	}
	oauth2_reply_clear(&r);
	if ((text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	oauth2_explain_claims_read(&claims, text);
	(void)oauth2_explain_jwt_exp(text);
	oauth2_explain_refusal(&claims, data[0] & 1, text, errbuf,
	                       sizeof(errbuf), &status);
	if (status < 0 || status > 3600)
		abort();
	free(text);
	return 0;
}
