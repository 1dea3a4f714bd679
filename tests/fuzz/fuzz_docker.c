// SPDX-License-Identifier: MIT
/*
 * libFuzzer entry for the Docker Engine API answers (model/docker.c): any
 * bytes in, never a crash, a leak or a read past the buffer; and it aborts
 * when the parser breaks its contract:
 *  - an accepted inspect answer has a 64-hex id, a valid name, a pid > 0
 *    when running, a sandbox key that is empty or absolute without "." or
 *    ".." parts, every string NUL-terminated inside its field;
 *  - a refused one leaves nothing behind (all zero) and says why;
 *  - a listed id is 64 hex digits; a message has no control character.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/docker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static void check_inspect(const char *buf, size_t size)
{
	static const struct topo_docker_info zero;
	struct topo_docker_info info;
	char err[256] = "";
	int r = topo_docker_parse_inspect(buf, size, &info, err, sizeof(err));

	if (r < 0) {
		if (memcmp(&info, &zero, sizeof(info)) != 0 || !err[0])
			abort();
		return;
	}
	if (!memchr(info.id, 0, sizeof(info.id)) || !memchr(info.name, 0, sizeof(info.name)) ||
	    !memchr(info.status, 0, sizeof(info.status)) || !memchr(info.sandbox_key, 0, sizeof(info.sandbox_key)))
		abort();
	if (!hex64(info.id) || !topo_docker_name_valid(info.name) || (info.running && info.pid <= 0) || info.pid < 0)
		abort();
	if (info.sandbox_key[0] && (info.sandbox_key[0] != '/' || strstr(info.sandbox_key, "/../") ||
				    strstr(info.sandbox_key, "/./")))
		abort();
	for (const char *c = info.status; *c; c++)
		if ((unsigned char)*c < 0x20)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	char err[256], msg[128], **ids;
	size_t n;

	check_inspect(buf, size);
	if (topo_docker_parse_list(buf, size, &ids, &n, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (!hex64(ids[i]))
				abort();
			free(ids[i]);
		}
		free(ids);
	} else if (ids || n) {
		abort();
	}
	if (topo_docker_parse_message(buf, size, msg, sizeof(msg)))
		for (const char *c = msg; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				abort();
	return 0;
}
