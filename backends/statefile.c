// SPDX-License-Identifier: MIT
/* The state file and the locks, under /run/topo. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/backend.h"

static void state_path(const char *dir, const char *topology, const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s%s", dir, topology, suffix);
}

int state_load(const char *dir, const char *topology, struct topo_state *ret)
{
	char path[512], *buf;
	struct stat st;
	ssize_t n;
	int fd, r;

	memset(ret, 0, sizeof(*ret));
	state_path(dir, topology, ".json", path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size > (16 << 20)) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n < 0) {
		free(buf);
		return -errno;
	}
	buf[n] = '\0';
	r = topo_state_parse(buf, (size_t)n, ret);
	free(buf);
	return r;
}

int state_save(const char *dir, const struct topo_state *s)
{
	char path[512], tmp[520], *json;
	size_t len;
	int fd, r;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	r = topo_state_format(s, &json);
	if (r < 0)
		return r;
	state_path(dir, s->topology, ".json", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	len = strlen(json);
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, json + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			unlink(tmp);
			goto out;
		}
		off += (size_t)n;
	}
	/* A crash leaves either the old file or the new one, never half. */
	if (fsync(fd) < 0 || close(fd) < 0) {
		r = -errno;
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
	}
out:
	free(json);
	return r;
}

int state_remove(const char *dir, const char *topology)
{
	char path[512];

	/* A save killed before its rename leaves the temporary file: it goes too. */
	state_path(dir, topology, ".json.tmp", path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	state_path(dir, topology, ".json", path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int state_lock(const char *dir, const char *name, bool no_wait, FILE *waiting)
{
	char path[512];
	int fd;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	state_path(dir, name, ".lock", path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	if (errno != EWOULDBLOCK || no_wait) {
		int r = -errno;

		close(fd);
		return r;
	}
	if (waiting)
		fprintf(waiting, "topo: waiting for %s (another topo run holds it)\n", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int r = -errno;

			close(fd);
			return r;
		}
	}
	return fd;
}

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
