// SPDX-License-Identifier: MIT
/*
 * Network namespaces: named ones created the way iproute2 creates them (a
 * bind mount of the namespace on /run/netns/NAME, the directory made a shared
 * mount so `ip netns` elsewhere sees them), attached ones opened by path or
 * pid, and topo's own ("host"). Each gets its netlink sockets opened once,
 * from inside, and kept: a socket stays in the namespace it was created in,
 * so no further setns() is needed to talk to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "backends/internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int backend_fail(struct backend *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
	return -1;
}

const char *backend_error(const struct backend *b)
{
	return b->err;
}

int backend_open(struct backend **ret, const char *topology, const struct backend_opts *opts)
{
	struct backend *b = calloc(1, sizeof(*b));
	struct rlimit rl;

	*ret = NULL;
	if (!b)
		return -ENOMEM;
	snprintf(b->topology, sizeof(b->topology), "%s", topology);
	if (opts)
		b->opts = *opts;
	snprintf(b->netns_dir, sizeof(b->netns_dir), "%s", b->opts.netns_dir ? b->opts.netns_dir : "/run/netns");
	b->self_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (b->self_fd < 0) {
		int r = -errno;

		free(b);
		return r;
	}
	/* Three descriptors per namespace (its file, two sockets): a lab of a
	 * few thousand namespaces needs more than the usual soft limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	*ret = b;
	return 0;
}

static void bns_close(struct bns *ns)
{
	if (ns->sk)
		nl_socket_free(ns->sk);
	if (ns->nft)
		mnl_socket_close(ns->nft);
	if (ns->fd >= 0)
		close(ns->fd);
	ns->sk = NULL;
	ns->nft = NULL;
	ns->fd = -1;
	ifnames_free(&ns->ifs);
	free(ns->pending);
	ns->pending = NULL;
	ns->n_pending = ns->cap_pending = 0;
	free(ns->nsids);
	ns->nsids = NULL;
	ns->n_nsids = ns->nsid_cap = 0;
}

void backend_close(struct backend *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_ns; i++) {
		bns_close(b->ns[i]);
		free(b->ns[i]);
	}
	free(b->ns);
	strmap_free(&b->ns_index);
	free(b->msgs);
	if (b->self_fd >= 0)
		close(b->self_fd);
	free(b);
}

struct bns *bns_find(struct backend *b, const char *name)
{
	size_t i;

	if (strmap_get(&b->ns_index, name, &i) < 0)
		return NULL;
	return b->ns[i];
}

static int bns_add(struct backend *b, const char *name, enum topo_ns_kind kind, struct bns **ret)
{
	struct bns *ns = calloc(1, sizeof(*ns)), **v;

	if (!ns)
		return -ENOMEM;
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	ns->kind = kind;
	ns->fd = -1;
	v = realloc(b->ns, (b->n_ns + 1) * sizeof(*v));
	if (!v || strmap_put(&b->ns_index, ns->name, b->n_ns) < 0) {
		if (v)
			b->ns = v;
		free(ns);
		return -ENOMEM;
	}
	b->ns = v;
	b->ns[b->n_ns++] = ns;
	*ret = ns;
	return 0;
}

int netns_enter(struct backend *b, struct bns *ns)
{
	if (setns(ns->fd, CLONE_NEWNET) < 0)
		return backend_fail(b, "setns into namespace %s: %s", ns->name, strerror(errno)), -errno;
	return 0;
}

int netns_leave(struct backend *b)
{
	/* Failing to get back would leave every later step in the wrong place. */
	if (setns(b->self_fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "topo: cannot return to the original network namespace: %s\n", strerror(errno));
		abort();
	}
	return 0;
}

int netns_run(struct backend *b, struct bns *ns, int (*fn)(void *arg), void *arg)
{
	int r;

	if (ns->kind == TOPO_NS_IS_HOST)
		return fn(arg);
	r = netns_enter(b, ns);
	if (r < 0)
		return r;
	r = fn(arg);
	netns_leave(b);
	return r;
}

/* Sockets are made from inside the namespace they serve. */
static int bns_sockets_here(struct backend *b, struct bns *ns)
{
	int one = 1, size = 4 << 20;
	int fd;

	ns->sk = nl_socket_alloc();
	if (!ns->sk)
		return -ENOMEM;
	if (nl_connect(ns->sk, NETLINK_ROUTE) < 0) {
		backend_fail(b, "netlink socket in namespace %s failed", ns->name);
		return -EIO;
	}
	fd = nl_socket_get_fd(ns->sk);
	/* Pipelined requests queue their answers here; as root, force past rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* The kernel's own words for a refusal ("Nexthop has invalid gateway"). */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	return 0;
}

/* nfnetlink is opened on first use: most namespaces never need it. */
static int nft_socket_here(void *arg)
{
	struct bns *ns = arg;
	int one = 1;

	ns->nft = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!ns->nft)
		return -errno;
	if (mnl_socket_bind(ns->nft, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;

		mnl_socket_close(ns->nft);
		ns->nft = NULL;
		return r;
	}
	setsockopt(mnl_socket_get_fd(ns->nft), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return 0;
}

int bns_nft_socket(struct backend *b, struct bns *ns)
{
	int r;

	if (ns->nft)
		return 0;
	if (ns->fd < 0)
		return backend_fail(b, "namespace %s is not open", ns->name), -ENOENT;
	r = netns_run(b, ns, nft_socket_here, ns);
	if (r < 0)
		return backend_fail(b, "nfnetlink socket in namespace %s: %s", ns->name, strerror(-r)), r;
	return 0;
}

static bool fd_is_netns(int fd)
{
	int type = ioctl(fd, NS_GET_NSTYPE, 0);

	return type == CLONE_NEWNET;
}

int bns_open(struct backend *b, const char *name, enum topo_ns_kind kind, const char *path, int pid,
	     struct bns **ret)
{
	struct bns *ns = bns_find(b, name);
	char buf[512];
	int fd, r;

	if (ns && ns->sk) {
		*ret = ns;
		return 0;
	}
	switch (kind) {
	case TOPO_NS_IS_HOST:
		fd = dup(b->self_fd);
		break;
	case TOPO_NS_PATH:
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return backend_fail(b, "cannot open %s: %s", path, strerror(errno)), -errno;
		break;
	case TOPO_NS_PID:
		snprintf(buf, sizeof(buf), "/proc/%d/ns/net", pid);
		fd = open(buf, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return backend_fail(b, "pid %d: %s", pid, errno == ENOENT ? "no such process" : strerror(errno)),
			       -errno;
		break;
	case TOPO_NS_CREATED:
	default:
		snprintf(buf, sizeof(buf), "%s/%s", b->netns_dir, name);
		fd = open(buf, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		break;
	}
	if (fd < 0)
		return -errno;
	if (!fd_is_netns(fd)) {
		close(fd);
		return backend_fail(b, "%s is not a network namespace", kind == TOPO_NS_PATH ? path : buf), -ENOTTY;
	}
	if (!ns) {
		r = bns_add(b, name, kind, &ns);
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	ns->kind = kind;
	ns->fd = fd;
	if (kind == TOPO_NS_IS_HOST) {
		r = bns_sockets_here(b, ns);
	} else {
		r = netns_enter(b, ns);
		if (r == 0) {
			r = bns_sockets_here(b, ns);
			netns_leave(b);
		}
	}
	if (r < 0) {
		bns_close(ns);
		return r;
	}
	*ret = ns;
	return 0;
}

/* As `ip netns add` does: make the directory a mount point, shared, so the
 * bind mounts inside propagate to other mount namespaces. */
static int netns_dir_prepare(struct backend *b)
{
	bool made = false;

	if (b->netns_dir_ready)
		return 0;
	if (mkdir(b->netns_dir, 0755) < 0 && errno != EEXIST)
		return backend_fail(b, "mkdir %s: %s", b->netns_dir, strerror(errno)), -errno;
	while (mount("", b->netns_dir, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL || made)
			return backend_fail(b, "mount --make-shared %s: %s", b->netns_dir, strerror(errno)), -errno;
		if (mount(b->netns_dir, b->netns_dir, "none", MS_BIND | MS_REC, NULL) < 0)
			return backend_fail(b, "mount --bind %s: %s", b->netns_dir, strerror(errno)), -errno;
		made = true;
	}
	b->netns_dir_ready = true;
	return 0;
}

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	close(fd);
	return n < 0 ? -errno : 0;
}

/*
 * Per-namespace settings topo needs only sometimes. Each /proc/sys lookup
 * walks an entry per existing namespace, so writing them at every creation
 * would make a big lab quadratic: they are written when they matter.
 */
int netns_write_sysctl_here(const char *path, const char *value)
{
	return write_file(path, value);
}

int netns_create(struct backend *b, const char *name, bool ipv6, struct bns **ret)
{
	char path[512];
	struct bns *ns = bns_find(b, name);
	int fd, r;

	r = netns_dir_prepare(b);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", b->netns_dir, name);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return backend_fail(b, "create %s: %s", path, strerror(errno)), -errno;
	close(fd);

	if (!ns) {
		r = bns_add(b, name, TOPO_NS_CREATED, &ns);
		if (r < 0)
			goto fail_file;
	}
	bns_close(ns);
	ns->kind = TOPO_NS_CREATED;

	/* unshare() moves this thread into the new namespace; setns() brings it back. */
	if (unshare(CLONE_NEWNET) < 0) {
		r = -errno;
		backend_fail(b, "unshare(CLONE_NEWNET): %s", strerror(errno));
		goto fail_file;
	}
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		r = -errno;
		backend_fail(b, "bind mount on %s: %s", path, strerror(errno));
		netns_leave(b);
		goto fail_file;
	}
	ns->fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	r = ns->fd < 0 ? -errno : bns_sockets_here(b, ns);
	if (r == 0 && ipv6) {
		/* The kernel's own link-local addresses stay tentative for a second
		 * or two (DAD) and IPv6 forwarding waits on them; in a namespace
		 * nothing else shares, there is no duplicate to detect. */
		write_file("/proc/sys/net/ipv6/conf/all/accept_dad", "0");
		write_file("/proc/sys/net/ipv6/conf/default/accept_dad", "0");
	}
	/* lo is ifindex 1 in every namespace; it is brought up (and marked) by
	 * the caller's next request. */
	if (r == 0)
		r = ifnames_set(&ns->ifs, "lo", 1);
	netns_leave(b);
	if (r < 0) {
		bns_close(ns);
		umount2(path, MNT_DETACH);
		goto fail_file;
	}
	*ret = ns;
	return 0;
fail_file:
	unlink(path);
	return r;
}

int netns_delete(struct backend *b, const char *name)
{
	char path[512];
	struct bns *ns = bns_find(b, name);

	if (ns)
		bns_close(ns);
	snprintf(path, sizeof(path), "%s/%s", b->netns_dir, name);
	/* Lazy: a process still inside keeps the namespace alive, the name goes now. */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return backend_fail(b, "umount %s: %s", path, strerror(errno)), -errno;
	if (unlink(path) < 0 && errno != ENOENT)
		return backend_fail(b, "unlink %s: %s", path, strerror(errno)), -errno;
	return 0;
}

int netns_list(struct backend *b, char ***ret, size_t *ret_n)
{
	DIR *d = opendir(b->netns_dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		char **nv;

		if (e->d_name[0] == '.' || strlen(e->d_name) > TOPO_NS_NAME_MAX)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv || !(nv[n] = strdup(e->d_name))) {
			if (nv)
				v = nv;
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			closedir(d);
			return -ENOMEM;
		}
		v = nv;
		n++;
	}
	closedir(d);
	*ret = v;
	*ret_n = n;
	return 0;
}

int netns_switch_for_exec(const char *name, enum topo_ns_kind kind, const char *path, int pid, char *err,
			  size_t errlen)
{
	char buf[512];
	int fd;

	if (kind == TOPO_NS_IS_HOST)
		return 0;
	if (kind == TOPO_NS_PATH)
		snprintf(buf, sizeof(buf), "%s", path);
	else if (kind == TOPO_NS_PID)
		snprintf(buf, sizeof(buf), "/proc/%d/ns/net", pid);
	else
		snprintf(buf, sizeof(buf), "/run/netns/%s", name);
	fd = open(buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "namespace %s: %s: %s", name, buf, strerror(errno));
		return -errno;
	}
	if (!fd_is_netns(fd)) {
		close(fd);
		snprintf(err, errlen, "namespace %s: %s is not a network namespace", name, buf);
		return -ENOTTY;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		int r = -errno;

		snprintf(err, errlen, "setns into %s: %s", name, strerror(errno));
		close(fd);
		return r;
	}
	close(fd);
	/* /sys shows the namespace of whoever mounted it: mount one of ours, in
	 * a mount namespace of our own so nobody else sees it. Best effort. */
	if (unshare(CLONE_NEWNS) == 0 && mount("", "/", "none", MS_SLAVE | MS_REC, NULL) == 0) {
		umount2("/sys", MNT_DETACH);
		mount(name, "/sys", "sysfs", 0, NULL);
	}
	return 0;
}
