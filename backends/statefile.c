// SPDX-License-Identifier: MIT
/* The state file and the locks, under /run/topo. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/backend.h"
#include "model/vec.h"
#include "backends/docker.h"

static void state_path(const char *dir, const char *topology, const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s%s", dir, topology, suffix);
}

/* The whole of a file of at most TOPO_MAX_FILE_SIZE bytes, NUL-terminated. */
static int read_small(const char *path, char **ret, size_t *ret_len)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	int fd;

	*ret = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)TOPO_MAX_FILE_SIZE) {
		int r = fstat(fd, &st) < 0 ? -errno : !S_ISREG(st.st_mode) ? -EISDIR : -EFBIG;

		close(fd);
		return r;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			free(buf);
			close(fd);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

static const char *read_error(int r)
{
	return r == -EFBIG ? "larger than 16 MiB" : r == -EISDIR ? "not a regular file" : strerror(-r);
}

int state_load_msg(const char *dir, const char *topology, struct topo_state *ret, char *err, size_t errlen)
{
	char path[512], *buf;
	size_t len;
	int r;

	memset(ret, 0, sizeof(*ret));
	err[0] = '\0';
	state_path(dir, topology, ".json", path, sizeof(path));
	r = read_small(path, &buf, &len);
	if (r < 0) {
		if (r != -ENOENT)
			snprintf(err, errlen, "%s", read_error(r));
		return r;
	}
	r = topo_state_parse_msg(buf, len, ret, err, errlen);
	free(buf);
	if (r == 0 && strcmp(ret->topology, topology) != 0) {
		snprintf(err, errlen, "it is the record of topology '%s', not of '%s'", ret->topology, topology);
		topo_state_free(ret);
		r = -EINVAL;
	}
	return r;
}

int state_load(const char *dir, const char *topology, struct topo_state *ret)
{
	char err[256];

	return state_load_msg(dir, topology, ret, err, sizeof(err));
}

/* Text to DIR/NAME through NAME.tmp: fsync'ed, then renamed over the old one. */
static int write_atomic(const char *dir, const char *name, const char *text)
{
	char path[512], tmp[520];
	size_t len = strlen(text);
	int fd, r = 0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			unlink(tmp);
			return r;
		}
		off += (size_t)n;
	}
	/* A crash leaves either the old file or the new one, never half. */
	if (fsync(fd) < 0 || close(fd) < 0) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
	}
	return r;
}

int state_save(const char *dir, const struct topo_state *s)
{
	char name[TOPO_NAME_MAX + 8], *json;
	int r;

	/* -EINVAL: the state would not read back (never written, then). */
	r = topo_state_format(s, &json);
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%s.json", s->topology);
	r = write_atomic(dir, name, json);
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

int state_load_others(const char *dir, const char *except, struct topo_state **ret, size_t *ret_n)
{
	struct topo_state *v = NULL;
	size_t n = 0;
	struct dirent *e;
	DIR *d;
	int r = 0;

	*ret = NULL;
	*ret_n = 0;
	d = opendir(dir);
	if (!d)
		return 0;      /* no directory: no other topology */
	while (r == 0 && (e = readdir(d))) {
		char name[TOPO_NAME_MAX + 1];
		size_t len = strlen(e->d_name);
		struct topo_state st, *nv;

		/* <topology>.json; dot files, .tmp and .lock are not records. */
		if (e->d_name[0] == '.' || len <= 5 || len - 5 > TOPO_NAME_MAX || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), e->d_name);
		if (strcmp(name, except) == 0)
			continue;
		r = state_load(dir, name, &st);
		if (r < 0) {
			r = r == -ENOMEM ? r : 0;
			continue;
		}
		/* A record names its topology; one that names another is not its file. */
		if (strcmp(st.topology, name) != 0) {
			topo_state_free(&st);
			continue;
		}
		nv = VEC_APPEND(v, n);
		if (!nv) {
			topo_state_free(&st);
			r = -ENOMEM;
			break;
		}
		*nv = st;
	}
	closedir(d);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			topo_state_free(&v[i]);
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
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

/* ------------------------------------------------- host sysctl registry -- */

#define HOST_SYSCTLS "host-sysctls.json"

void host_sysctls_path(const char *dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" HOST_SYSCTLS, dir);
}

int host_sysctls_load(const char *dir, struct host_sysctls *ret, char *err, size_t errlen)
{
	char path[512], *buf;
	size_t len;
	int r;

	memset(ret, 0, sizeof(*ret));
	err[0] = '\0';
	host_sysctls_path(dir, path, sizeof(path));
	r = read_small(path, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		snprintf(err, errlen, "%s", read_error(r));
		return r;
	}
	r = topo_host_sysctls_parse(buf, len, ret, err, errlen);
	free(buf);
	return r;
}

int host_sysctls_save(const char *dir, const struct host_sysctls *reg)
{
	char path[512], *json;
	int r;

	if (reg->n == 0) {
		host_sysctls_path(dir, path, sizeof(path));
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	}
	r = topo_host_sysctls_format(reg, &json);
	if (r < 0)
		return r;
	r = write_atomic(dir, HOST_SYSCTLS, json);
	free(json);
	return r;
}

/* "DEV:INO" of a namespace's nsfs file: what tells two names for one namespace apart. */
static int netns_identity(enum topo_ns_kind kind, const char *path, int pid, char *buf, size_t len)
{
	char proc[64];

	if ((kind == TOPO_NS_PATH || kind == TOPO_NS_DOCKER) && path)
		return netns_file_identity(path, buf, len);
	if (kind == TOPO_NS_PID)
		snprintf(proc, sizeof(proc), "/proc/%d/ns/net", pid);
	else if (kind == TOPO_NS_IS_HOST)
		snprintf(proc, sizeof(proc), "/proc/self/ns/net");
	else
		return -EINVAL;   /* a namespace topo created is this topology's alone */
	return netns_file_identity(proc, buf, len);
}

struct shared_list {
	struct shared_ns *v;
	char (*ids)[48];
	size_t n, cap;
};

static int shared_add(struct shared_list *l, const char *name, enum topo_ns_kind kind, const char *path, int pid)
{
	char id[48];

	if (netns_identity(kind, path, pid, id, sizeof(id)) < 0)
		return 0;   /* not there (yet): nobody can share it */
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct shared_ns *v = realloc(l->v, cap * sizeof(*v));
		char (*ids)[48];

		if (!v)
			return -ENOMEM;
		l->v = v;
		ids = realloc(l->ids, cap * sizeof(*ids));
		if (!ids)
			return -ENOMEM;
		l->ids = ids;
		l->cap = cap;
	}
	memcpy(l->ids[l->n], id, sizeof(id));
	l->v[l->n].name = name;
	l->n++;
	return 0;
}

/* host, and the attached namespaces of the file and of the record. */
static int shared_list_build(const struct topology *desired, const struct topo_state *st, struct shared_list *l)
{
	int r = shared_add(l, TOPO_NS_HOST, TOPO_NS_IS_HOST, NULL, 0);

	for (size_t i = 0; desired && i < desired->n_ns && r == 0; i++) {
		const struct topo_ns *ns = &desired->ns[i];

		if (topo_ns_attached(ns->kind))
			r = shared_add(l, ns->name, ns->kind, ns->path, ns->pid);
	}
	for (size_t i = 0; st && i < st->n_ns && r == 0; i++) {
		const struct state_ns *ns = &st->ns[i];

		if (topo_ns_attached(ns->kind))
			r = shared_add(l, ns->name, ns->kind, ns->path, ns->pid);
	}
	/* The ids moved while growing: point at them now. */
	for (size_t i = 0; i < l->n; i++)
		l->v[i].netns = l->ids[i];
	return r;
}

static void shared_list_free(struct shared_list *l)
{
	free(l->v);
	free(l->ids);
}

int host_sysctls_merge(const char *dir, const struct topology *desired, struct topo_state *st, char *err,
		       size_t errlen)
{
	struct host_sysctls reg;
	struct shared_list l = { 0 };
	int r = host_sysctls_load(dir, &reg, err, errlen);

	topo_state_held_clear(st);
	if (r < 0)
		return r;
	r = shared_list_build(desired, st, &l);
	if (r == 0)
		r = topo_state_merge_host(st, &reg, l.v, l.n);
	if (r == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	shared_list_free(&l);
	topo_host_sysctls_free(&reg);
	return r;
}

int host_sysctls_commit(const char *dir, const struct topology *desired, const struct topo_state *st, char *err,
			size_t errlen)
{
	struct host_sysctls reg;
	struct shared_list l = { 0 };
	int r = host_sysctls_load(dir, &reg, err, errlen);

	if (r < 0)
		return r;
	topo_host_sysctls_release(&reg, st->topology);
	r = shared_list_build(desired, NULL, &l);
	for (size_t i = 0; desired && i < desired->n_ns && r == 0; i++) {
		const struct topo_ns *ns = &desired->ns[i];
		const char *id = NULL;

		for (size_t k = 0; k < l.n && !id; k++)
			if (strcmp(l.v[k].name, ns->name) == 0)
				id = l.v[k].netns;
		for (size_t k = 0; id && k < ns->n_sysctls && r == 0; k++) {
			const struct topo_sysctl *sc = &ns->sysctls[k];
			const struct state_sysctl *rec = topo_state_sysctl_find(st, ns->name, sc->key);

			/* Without a record topo found the value already set: that is the original. */
			r = topo_host_sysctls_hold(&reg, id, sc->key, rec ? rec->original : sc->value, st->topology,
						   ns->name, sc->value);
		}
	}
	if (r == 0)
		r = host_sysctls_save(dir, &reg);
	if (r < 0)
		snprintf(err, errlen, "%s", strerror(-r));
	shared_list_free(&l);
	topo_host_sysctls_free(&reg);
	return r;
}
