/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: raw message bytes through message_analyse(). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *domains[] = {"bots.test"};
	static char *patterns[] = {"Desk PIN ([0-9]{4})"};
	static struct message_ctx *ctx;
	struct message_opts opts = {
	    .mailbox = "catchall@bots.test",
	    .domains = domains,
	    .ndomains = 1,
	    .custom_patterns = patterns,
	    .ncustom_patterns = 1,
	    .max_bytes = 1u << 20,
	};
	struct message_info *info = NULL;

	if (!ctx && message_ctx_new(&opts, &ctx, NULL, 0) != OTPBOX_OK)
		abort();
	if (message_analyse(ctx, (const char *)data, size, &info) != OTPBOX_OK)
		abort();
	message_info_free(info);
	return 0;
}
