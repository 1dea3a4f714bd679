/* SPDX-License-Identifier: MIT */
/*
 * The Docker Engine API, asked over its unix socket (libcurl with
 * CURLOPT_UNIX_SOCKET_PATH): which namespace a container named in the file
 * (`docker: NAME`) or on the command line has now. Asked at every run: a
 * restarted container has a new namespace. The answers are parsed by
 * model/docker.c.
 */
#ifndef TOPO_BACKENDS_DOCKER_H
#define TOPO_BACKENDS_DOCKER_H

#include <stddef.h>

#include "model/docker.h"
#include "model/topology.h"

/*
 * The socket to ask: `given` (the file's docker_socket:) when not NULL, else
 * DOCKER_HOST when it is unix://PATH, else /var/run/docker.sock, else
 * /run/docker.sock. 0, or -EINVAL with err set (DOCKER_HOST naming tcp://,
 * say: topo speaks to Docker only over its unix socket).
 */
int docker_socket_path(const char *given, char *buf, size_t len, char *err, size_t errlen);

/*
 * GET /containers/NAME/json. 0; -ENOENT "no such container"; -ECONNREFUSED
 * and the like when the daemon does not answer; -EINVAL on an answer that
 * does not parse. err says it, naming the container and the socket.
 */
int docker_inspect(const char *sock, const char *name, struct topo_docker_info *ret, char *err, size_t errlen);

/* The running containers' ids (GET /containers/json). Caller frees. */
int docker_list_running(const char *sock, char ***ret_ids, size_t *ret_n, char *err, size_t errlen);

/* The namespace file of a running container: its SandboxKey, or
 * /proc/PID/ns/net when it has none (--network container:X). */
void docker_netns_path(const struct topo_docker_info *info, char *buf, size_t len);

/*
 * A docker: namespace of the file: asks the daemon (the namespace's
 * docker_socket:, else as docker_socket_path says) where the container's
 * namespace is now, and sets ns->path and ns->docker_netns. 0, or -errno
 * with err naming the container: daemon unreachable (-ECONNREFUSED,
 * -ENOENT for a missing socket), no such container (-ENOENT), not running
 * (-ESRCH: "container 'web' is not running (exited)").
 */
int docker_resolve_ns(struct topo_ns *ns, char *err, size_t errlen);

/*
 * The running container whose namespace is the one at path (same DEV:INO as
 * its SandboxKey or /proc/PID/ns/net), asked of the default socket: 0 with
 * its name in name; -ENOENT when none is, or Docker does not answer (the
 * caller keeps path:).
 */
int docker_container_of(const char *path, char *name, size_t len);

/* "DEV:INO" of a namespace file (stat(2), following /proc's links): the one
 * form of a namespace's identity, for the state file, the host sysctl
 * registry and a container's namespace. 0 or -errno. */
int netns_file_identity(const char *path, char *buf, size_t len);

#endif
