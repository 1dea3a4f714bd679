/* SPDX-License-Identifier: MIT */
/*
 * A namespace named on the command line (exec, show --netns, export
 * --netns), in one place, so the three read a word the same way:
 *   host          the namespace topo runs in
 *   docker:NAME   the Docker container NAME (or id): where its namespace is now
 *   netns:NAME    /run/netns/NAME, never a container
 *   /PATH         a namespace file (show and export only: exec never takes a path)
 *   NAME          /run/netns/NAME, or else the running Docker container NAME;
 *                 both existing is an error naming both (say netns: or docker:)
 */
#ifndef TOPO_CMD_TARGET_H
#define TOPO_CMD_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "model/docker.h"
#include "model/topology.h"

struct ns_target {
	enum topo_ns_kind kind;          /* IS_HOST, CREATED (/run/netns), PATH or DOCKER */
	char name[TOPO_NS_NAME_MAX + 1]; /* CREATED: the namespace's name; DOCKER: the container's when it fits */
	char path[TOPO_DOCKER_PATH_MAX + 32];          /* PATH, DOCKER */
	char container[TOPO_DOCKER_NAME_MAX + 1];      /* DOCKER, as given */
};

/* 0; -ENOENT when NAME is neither a namespace nor a container (err says
 * so); another -errno with err set. */
int ns_target_resolve(const char *word, bool allow_path, struct ns_target *ret, char *err, size_t errlen);

#endif
