// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/dlib.h"
#include "backends/docker.h"

/* A daemon that accepts the connection and never answers must not hang a run. */
#define DOCKER_TIMEOUT_MS 10000L

struct answer {
	char *buf;
	size_t len;
	bool too_big;
};

static size_t answer_write(char *data, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t add = size * n;
	char *nb;

	if (a->len + add > TOPO_DOCKER_ANSWER_MAX) {
		a->too_big = true;
		return 0;       /* curl stops with CURLE_WRITE_ERROR */
	}
	nb = realloc(a->buf, a->len + add + 1);
	if (!nb)
		return 0;
	memcpy(nb + a->len, data, add);
	a->buf = nb;
	a->len += add;
	a->buf[a->len] = '\0';
	return add;
}

int docker_socket_path(const char *given, char *buf, size_t len, char *err, size_t errlen)
{
	const char *host = getenv("DOCKER_HOST");

	if (given && given[0]) {
		snprintf(buf, len, "%s", given);
		return 0;
	}
	if (host && host[0]) {
		if (strncmp(host, "unix://", 7) != 0 || host[7] != '/') {
			snprintf(err, errlen, "DOCKER_HOST=%.200s is not unix:///PATH: topo asks Docker only over "
				 "its unix socket", host);
			return -EINVAL;
		}
		snprintf(buf, len, "%s", host + 7);
		return 0;
	}
	snprintf(buf, len, "%s", access("/var/run/docker.sock", F_OK) == 0 ? "/var/run/docker.sock" : "/run/docker.sock");
	return 0;
}

/* GET path on the socket: 0 with the HTTP status and the body, or -errno with err set. */
static int docker_get(const char *sock, const char *path, long *ret_status, struct answer *a, char *err,
		      size_t errlen)
{
	char url[512], cerr[CURL_ERROR_SIZE] = "";
	const struct curl_fns *cu;
	CURL *c;
	CURLcode cr;
	int r = 0;

	memset(a, 0, sizeof(*a));
	if (access(sock, F_OK) < 0) {
		r = -errno;
		snprintf(err, errlen, "Docker's socket %s: %s (is dockerd running? DOCKER_HOST or the file's "
			 "docker_socket: names another)", sock, strerror(errno));
		return r;
	}
	cu = dlib_curl(err, errlen);
	if (!cu)
		return -ELIBACC;
	c = cu->easy_init();
	if (!c) {
		snprintf(err, errlen, "cannot start libcurl");
		return -ENOMEM;
	}
	/* The host part is not used on a unix socket; "localhost" is what the docker client sends. */
	snprintf(url, sizeof(url), "http://localhost%s", path);
	cu->easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	cu->easy_setopt(c, CURLOPT_URL, url);
	cu->easy_setopt(c, CURLOPT_WRITEFUNCTION, answer_write);
	cu->easy_setopt(c, CURLOPT_WRITEDATA, a);
	cu->easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	cu->easy_setopt(c, CURLOPT_TIMEOUT_MS, DOCKER_TIMEOUT_MS);
	cu->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cu->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	cu->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	cr = cu->easy_perform(c);
	if (cr != CURLE_OK) {
		if (a->too_big) {
			snprintf(err, errlen, "Docker (%s) answered %s with more than %u bytes", sock, path,
				 TOPO_DOCKER_ANSWER_MAX);
			r = -EFBIG;
		} else {
			snprintf(err, errlen, "Docker does not answer on %s: %s", sock, cerr[0] ? cerr : cu->easy_strerror(cr));
			r = cr == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -ECONNREFUSED;
		}
		free(a->buf);
		a->buf = NULL;
	} else {
		cu->easy_getinfo(c, CURLINFO_RESPONSE_CODE, ret_status);
	}
	cu->easy_cleanup(c);
	return r;
}

int docker_inspect(const char *sock, const char *name, struct topo_docker_info *ret, char *err, size_t errlen)
{
	char path[64 + TOPO_DOCKER_NAME_MAX], msg[256], perr[256];
	struct answer a;
	long status = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!topo_docker_name_valid(name)) {
		snprintf(err, errlen, "'%.64s' is not a container name (%s)", name, TOPO_DOCKER_NAME_RULE);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/containers/%s/json", name);
	r = docker_get(sock, path, &status, &a, err, errlen);
	if (r < 0)
		return r;
	if (status == 404) {
		snprintf(err, errlen, "no such container '%s' (Docker on %s)", name, sock);
		r = -ENOENT;
	} else if (status != 200) {
		if (!topo_docker_parse_message(a.buf ? a.buf : "", a.len, msg, sizeof(msg)))
			snprintf(msg, sizeof(msg), "no message");
		snprintf(err, errlen, "Docker on %s answered %ld for container '%s': %s", sock, status, name, msg);
		r = -EPROTO;
	} else if ((r = topo_docker_parse_inspect(a.buf ? a.buf : "", a.len, ret, perr, sizeof(perr))) < 0) {
		snprintf(err, errlen, "Docker on %s: container '%s': unexpected answer: %s", sock, name, perr);
	}
	free(a.buf);
	return r;
}

int docker_list_running(const char *sock, char ***ret_ids, size_t *ret_n, char *err, size_t errlen)
{
	char perr[256];
	struct answer a;
	long status = 0;
	int r;

	*ret_ids = NULL;
	*ret_n = 0;
	r = docker_get(sock, "/containers/json", &status, &a, err, errlen);
	if (r < 0)
		return r;
	if (status != 200) {
		snprintf(err, errlen, "Docker on %s answered %ld listing containers", sock, status);
		r = -EPROTO;
	} else if ((r = topo_docker_parse_list(a.buf ? a.buf : "", a.len, ret_ids, ret_n, perr, sizeof(perr))) < 0) {
		snprintf(err, errlen, "Docker on %s: unexpected container list: %s", sock, perr);
	}
	free(a.buf);
	return r;
}

void docker_netns_path(const struct topo_docker_info *info, char *buf, size_t len)
{
	if (info->sandbox_key[0])
		snprintf(buf, len, "%s", info->sandbox_key);
	else
		snprintf(buf, len, "/proc/%d/ns/net", info->pid);
}

int netns_file_identity(const char *path, char *buf, size_t len)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	snprintf(buf, len, "%lu:%llu", (unsigned long)st.st_dev, (unsigned long long)st.st_ino);
	return 0;
}

int docker_resolve_ns(struct topo_ns *ns, char *err, size_t errlen)
{
	struct topo_docker_info info;
	char sock[512], path[TOPO_DOCKER_PATH_MAX + 32], id[48], *p;
	int r;

	r = docker_socket_path(ns->docker_socket, sock, sizeof(sock), err, errlen);
	if (r == 0)
		r = docker_inspect(sock, ns->docker, &info, err, errlen);
	if (r < 0)
		return r;
	if (!info.running) {
		snprintf(err, errlen, "container '%s' is not running (%s)", ns->docker, info.status);
		return -ESRCH;
	}
	docker_netns_path(&info, path, sizeof(path));
	r = netns_file_identity(path, id, sizeof(id));
	if (r < 0) {
		snprintf(err, errlen, "container '%s': its namespace %s: %s", ns->docker, path, strerror(-r));
		return r;
	}
	p = strdup(path);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (topo_ns_set_docker_netns(ns, id) < 0) {
		free(p);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	free(ns->path);
	ns->path = p;
	return 0;
}

int docker_container_of(const char *path, char *name, size_t len)
{
	char sock[512], err[600], want[48], id[48], p[TOPO_DOCKER_PATH_MAX + 32], **ids;
	size_t n;
	int r = -ENOENT;

	if (netns_file_identity(path, want, sizeof(want)) < 0 ||
	    docker_socket_path(NULL, sock, sizeof(sock), err, sizeof(err)) < 0 || access(sock, F_OK) < 0 ||
	    docker_list_running(sock, &ids, &n, err, sizeof(err)) < 0)
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		struct topo_docker_info info;

		if (r == -ENOENT && docker_inspect(sock, ids[i], &info, err, sizeof(err)) == 0 && info.running) {
			docker_netns_path(&info, p, sizeof(p));
			if (netns_file_identity(p, id, sizeof(id)) == 0 && strcmp(id, want) == 0) {
				snprintf(name, len, "%s", info.name);
				r = 0;
			}
		}
		free(ids[i]);
	}
	free(ids);
	return r;
}
