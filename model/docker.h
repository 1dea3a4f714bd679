/* SPDX-License-Identifier: MIT */
/*
 * What topo reads from the Docker Engine API, kept pure so it can be tested
 * without a daemon: the container-name rule the loader checks `docker:`
 * against, and the parsers of the two answers topo asks for
 * (GET /containers/NAME/json, GET /containers/json). The HTTP transport is
 * in backends/docker.c.
 *
 * An answer is input from another program: every field topo uses is checked
 * for presence, type and range, and an answer past TOPO_DOCKER_ANSWER_MAX is
 * refused without being parsed.
 */
#ifndef TOPO_MODEL_DOCKER_H
#define TOPO_MODEL_DOCKER_H

#include <stdbool.h>
#include <stddef.h>

#define TOPO_DOCKER_NAME_MAX   128           /* a 64-digit id fits; Docker sets no limit of its own */
#define TOPO_DOCKER_ANSWER_MAX (4u << 20)     /* an inspect answer is a few kB */
#define TOPO_DOCKER_PATH_MAX   1024

/* Docker's container-name rule, [a-zA-Z0-9][a-zA-Z0-9_.-]* (a hex id or
 * id prefix passes it too), at most TOPO_DOCKER_NAME_MAX bytes: it goes
 * into a URL path unescaped, so nothing else may. */
bool topo_docker_name_valid(const char *s);
#define TOPO_DOCKER_NAME_RULE "[a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128 bytes"

struct topo_docker_info {
	char id[65];                      /* 64 lower-case hex digits */
	char name[TOPO_DOCKER_NAME_MAX + 1];  /* without Docker's leading '/' */
	bool running;
	char status[32];                  /* State.Status: "running", "exited", ... */
	int pid;                          /* State.Pid: > 0 when running */
	char sandbox_key[TOPO_DOCKER_PATH_MAX]; /* NetworkSettings.SandboxKey, "" = none */
};

/* GET /containers/NAME/json. 0, or -EINVAL with err saying which field is
 * missing or wrong ("State.Pid: must be an integer"), -EFBIG past the limit,
 * -ENOMEM. A running container has a pid; the sandbox key, when given, is
 * an absolute path without ".." parts. */
int topo_docker_parse_inspect(const char *buf, size_t len, struct topo_docker_info *ret, char *err,
			      size_t errlen);

/* GET /containers/json: the ids of the containers listed (running ones
 * without ?all). Caller frees each and the array. 0, -EINVAL, -EFBIG, -ENOMEM. */
int topo_docker_parse_list(const char *buf, size_t len, char ***ret_ids, size_t *ret_n, char *err,
			   size_t errlen);

/* The daemon's error answer, {"message": "..."}: the message, control
 * characters replaced, into buf; false when there is none. */
bool topo_docker_parse_message(const char *buf, size_t len, char *out, size_t outlen);

#endif
