// SPDX-License-Identifier: MIT
/*
 * Network namespaces: named ones created the way iproute2 creates them (a
 * bind mount of the namespace on /run/netns/NAME, the directory made a shared
 * mount so `ip netns` elsewhere sees them), attached ones opened by path or
 * pid, and topo's own ("host"). Each gets its netlink sockets opened once,
 * from inside, and kept: a socket stays in the namespace it was created in,
 * so no further setns() is needed to talk to it.
 *
 * Crash safety. Creation and deletion send no netlink message that could
 * be replayed: what makes them safe is that every state a kill can leave in
 * netns_dir is recognisable (netns_probe):
 *   - a namespace is marked (lo alias topo:<topology>) before it has a name;
 *   - its name is first a file holding "topo:<topology>", written under the
 *     hidden name .topo-new:<topology>:<NAME> and renamed exclusively
 *     (RENAME_NOREPLACE) into place, then the namespace is bind-mounted on it;
 *   - deletion records .topo-del:<topology>:<NAME> (an empty file) before it
 *     unmounts and unlinks, so an empty file left by an interrupted deletion
 *     of a namespace made the old way (iproute2's, or adopted) is known too.
 * A plain file at NAME is ours only with that proof; anything else there is
 * someone else's and a conflict.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <pthread.h>
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
#include <signal.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/socket.h>
#include <time.h>

#include "backends/internal.h"
#include "model/vec.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int backend_fail(struct backend *b, const char *fmt, ...)
{
	va_list ap;

	/* Two workers read namespaces at once (backends/observe.c). */
	pthread_mutex_lock(&b->err_lock);
	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&b->err_lock);
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
	pthread_mutex_init(&b->err_lock, NULL);
	b->nl_cb = nl_cb_alloc(NL_CB_DEFAULT);   /* NULL: each socket gets its own */
	if (opts)
		b->opts = *opts;
	snprintf(b->netns_dir, sizeof(b->netns_dir), "%s", b->opts.netns_dir ? b->opts.netns_dir : "/run/netns");
	b->self_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (b->self_fd < 0) {
		int r = -errno;

		pthread_mutex_destroy(&b->err_lock);
		free(b);
		return r;
	}
	/* A socket per namespace: a lab of a few thousand namespaces needs more
	 * than the usual soft limit of 1024; raise it to the hard one, as
	 * systemd does for its services. backend_observe refuses a lab the
	 * limit cannot hold, before anything changes. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	b->hold_fds = true;
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
	free(ns->path);
	ns->path = NULL;
	ns->sk = NULL;
	ns->nft = NULL;
	ns->fd = -1;
	ifnames_free(&ns->ifs);
	free(ns->pending);
	ns->pending = NULL;
	ns->n_pending = ns->cap_pending = 0;
	ns->gen = 0;
}

void backend_close(struct backend *b)
{
	if (!b)
		return;
	b->n_pinned = 0;
	for (size_t i = 0; i < b->n_ns; i++) {
		bns_close(b->ns[i]);
		free(b->ns[i]);
	}
	free(b->ns);
	strmap_free(&b->ns_index);
	hashmap_free(&b->nsids);
	for (size_t i = 0; i < b->n_msgs; i++)
		free(b->msgs[i]);
	free(b->msgs);
	free(b->gone);
	free(b->deferred);
	if (b->self_fd >= 0)
		close(b->self_fd);
	if (b->nl_cb)
		nl_cb_put(b->nl_cb);
	pthread_mutex_destroy(&b->err_lock);
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
	v = VEC_APPEND(b->ns, b->n_ns);
	if (!v || strmap_put(&b->ns_index, ns->name, b->n_ns - 1) < 0) {
		if (v)
			b->n_ns--;
		free(ns);
		return -ENOMEM;
	}
	*v = ns;
	*ret = ns;
	return 0;
}

static bool fd_is_netns(int fd)
{
	int type = ioctl(fd, NS_GET_NSTYPE, 0);

	return type == CLONE_NEWNET;
}

/* Opens the namespace again, the way it was found: it must be the same one. */
static int bns_reopen(struct backend *b, struct bns *ns)
{
	char buf[512];
	int fd;

	switch (ns->kind) {
	case TOPO_NS_IS_HOST:
		fd = fcntl(b->self_fd, F_DUPFD_CLOEXEC, 0);
		snprintf(buf, sizeof(buf), "/proc/self/ns/net");
		break;
	case TOPO_NS_PATH:
	case TOPO_NS_DOCKER:
		snprintf(buf, sizeof(buf), "%s", ns->path ? ns->path : "");
		fd = open(buf, O_RDONLY | O_CLOEXEC);
		break;
	case TOPO_NS_PID:
		snprintf(buf, sizeof(buf), "/proc/%d/ns/net", ns->pid);
		fd = open(buf, O_RDONLY | O_CLOEXEC);
		break;
	case TOPO_NS_CREATED:
	default:
		snprintf(buf, sizeof(buf), "%s/%s", b->netns_dir, ns->name);
		fd = open(buf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		break;
	}
	if (fd < 0)
		return backend_fail(b, "namespace %s: cannot open %s again: %s", ns->name, buf, strerror(errno)), -errno;
	if (!bns_is(ns, fd)) {
		close(fd);
		return backend_fail(b, "namespace %s: %s is no longer the namespace topo read", ns->name, buf), -ESTALE;
	}
	return fd;
}

bool bns_is(const struct bns *ns, int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && ns->dev == (unsigned long long)st.st_dev &&
	       ns->ino == (unsigned long long)st.st_ino;
}

static void bns_identify(struct bns *ns, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0) {
		ns->ino = st.st_ino;
		ns->dev = st.st_dev;
	}
}

int bns_fd(struct backend *b, struct bns *ns)
{
	int fd;

	if (ns->fd >= 0)
		return ns->fd;
	if (b->n_pinned == sizeof(b->pinned) / sizeof(b->pinned[0]))
		return backend_fail(b, "namespace %s: too many namespaces open for one step", ns->name), -EMFILE;
	fd = bns_reopen(b, ns);
	if (fd < 0)
		return fd;
	ns->fd = fd;
	b->pinned[b->n_pinned++] = ns;
	return fd;
}

void bns_fd_unpin(struct backend *b)
{
	for (size_t i = 0; i < b->n_pinned; i++) {
		struct bns *ns = b->pinned[i];

		if (ns->fd >= 0)
			close(ns->fd);
		ns->fd = -1;
	}
	b->n_pinned = 0;
}

/* Not kept under a tight limit: the sockets are what stays open. */
static void bns_fd_drop(struct backend *b, struct bns *ns)
{
	if (b->hold_fds || ns->fd < 0)
		return;
	for (size_t i = 0; i < b->n_pinned; i++)
		if (b->pinned[i] == ns)
			return;   /* bns_fd_unpin closes it */
	close(ns->fd);
	ns->fd = -1;
}

int netns_enter(struct backend *b, struct bns *ns)
{
	bool held = ns->fd >= 0;
	int fd = held ? ns->fd : bns_reopen(b, ns), r = 0;

	if (fd < 0)
		return fd;
	if (setns(fd, CLONE_NEWNET) < 0) {
		r = -errno;
		backend_fail(b, "setns into namespace %s: %s", ns->name, strerror(errno));
	}
	if (!held)
		close(fd);
	return r;
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

	/* One set of (default) callbacks for all: topo reads its answers itself
	 * (backends/nl.c), and a lab of thousands of namespaces saves a copy each. */
	ns->sk = b->nl_cb ? nl_socket_alloc_cb(b->nl_cb) : nl_socket_alloc();
	if (!ns->sk)
		return -ENOMEM;
	ns->gen = ++b->ns_gen;
	if (nl_connect(ns->sk, NETLINK_ROUTE) < 0) {
		int e = errno ? errno : EIO;

		backend_fail(b, "netlink socket in namespace %s: %s", ns->name, strerror(e));
		return -e;
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

void bns_nft_close(struct bns *ns)
{
	if (ns->nft)
		mnl_socket_close(ns->nft);
	ns->nft = NULL;
}

int bns_nft_socket(struct backend *b, struct bns *ns)
{
	int r;

	if (ns->nft)
		return 0;
	if (!ns->sk)
		return backend_fail(b, "namespace %s is not open", ns->name), -ENOENT;
	r = netns_run(b, ns, nft_socket_here, ns);
	if (r < 0)
		return backend_fail(b, "nfnetlink socket in namespace %s: %s", ns->name, strerror(-r)), r;
	return 0;
}

/* Takes fd (a network namespace): records it, opens the sockets inside. */
int bns_open_fd(struct backend *b, const char *name, enum topo_ns_kind kind, const char *path, int pid, int fd,
		struct bns **ret)
{
	struct bns *ns = bns_find(b, name);
	int r;

	if (!ns) {
		r = bns_add(b, name, kind, &ns);
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	bns_close(ns);
	ns->kind = kind;
	ns->pid = pid;
	if (path && !(ns->path = strdup(path))) {
		close(fd);
		return -ENOMEM;
	}
	ns->fd = fd;
	bns_identify(ns, fd);
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
	bns_fd_drop(b, ns);
	*ret = ns;
	return 0;
}

int bns_open(struct backend *b, const char *name, enum topo_ns_kind kind, const char *path, int pid,
	     struct bns **ret)
{
	struct bns *ns = bns_find(b, name);
	enum netns_entry what;
	char buf[512];
	int fd, r;

	if (ns && ns->sk) {
		*ret = ns;
		return 0;
	}
	switch (kind) {
	case TOPO_NS_IS_HOST:
		fd = fcntl(b->self_fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return backend_fail(b, "cannot open topo's own namespace: %s", strerror(errno)), -errno;
		break;
	case TOPO_NS_PATH:
	case TOPO_NS_DOCKER:
		if (!path)
			return backend_fail(b, "namespace %s: no namespace found for it", name), -ENOENT;
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
		r = netns_probe(b, name, &what, &fd);
		if (r < 0)
			return r;
		if (what != NSE_NETNS)
			return what == NSE_FOREIGN ? -ENOTTY : -ENOENT;
		break;
	}
	if (!fd_is_netns(fd)) {
		close(fd);
		return backend_fail(b, "%s is not a network namespace",
				    kind == TOPO_NS_PATH || kind == TOPO_NS_DOCKER ? path : buf), -ENOTTY;
	}
	return bns_open_fd(b, name, kind, path, pid, fd, ret);
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

/* The hidden files of an interrupted creation (kind "new") or deletion ("del"). */
static void hidden_path(const struct backend *b, const char *kind, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/.topo-%s:%s:%s", b->netns_dir, kind, b->topology, name);
}

static void token_of(const struct backend *b, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s\n", TOPO_ALIAS_PREFIX, b->topology);
}

static bool hidden_exists(const struct backend *b, const char *kind, const char *name)
{
	char path[512];

	hidden_path(b, kind, name, path, sizeof(path));
	return faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int netns_probe(struct backend *b, const char *name, enum netns_entry *ret, int *fd)
{
	char path[512], token[TOPO_NAME_MAX + 16], buf[128];
	struct statx stx;
	ssize_t n;
	int f;

	*fd = -1;
	snprintf(path, sizeof(path), "%s/%s", b->netns_dir, name);
	/* Type first: a device or a fifo there is not opened. */
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) < 0) {
		if (errno != ENOENT)
			return backend_fail(b, "cannot read %s: %s", path, strerror(errno)), -errno;
		*ret = hidden_exists(b, "new", name) || hidden_exists(b, "del", name) ? NSE_LEFTOVER : NSE_ABSENT;
		return 0;
	}
	*ret = NSE_FOREIGN;
	if (!S_ISREG(stx.stx_mode))
		return backend_fail(b, "%s is a %s, not a network namespace", path,
				    S_ISLNK(stx.stx_mode) ? "symbolic link" : S_ISDIR(stx.stx_mode) ? "directory" :
				    "special file"), 0;
	f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (f < 0) {
		if (errno == ENOENT) {
			*ret = NSE_ABSENT;
			return 0;
		}
		return backend_fail(b, "cannot open %s: %s", path, strerror(errno)), -errno;
	}
	if (fd_is_netns(f)) {
		*ret = NSE_NETNS;
		*fd = f;
		return 0;
	}
	if (statx(f, "", AT_EMPTY_PATH, STATX_TYPE, &stx) < 0) {
		int e = errno;

		close(f);
		return backend_fail(b, "cannot read %s: %s", path, strerror(e)), -e;
	}
	if (stx.stx_attributes_mask & stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) {
		close(f);
		return backend_fail(b, "%s is a mount of something that is not a network namespace", path), 0;
	}
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n < 0)
		return backend_fail(b, "cannot read %s: %s", path, strerror(errno)), -errno;
	buf[n] = '\0';
	token_of(b, token, sizeof(token));
	/* Ours: the token our creation renames into place, or an empty file
	 * our deletion recorded before unmounting it. */
	if (strcmp(buf, token) == 0 || (n == 0 && hidden_exists(b, "del", name))) {
		*ret = NSE_LEFTOVER;
		return 0;
	}
	if (strncmp(buf, TOPO_ALIAS_PREFIX, strlen(TOPO_ALIAS_PREFIX)) == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		return backend_fail(b, "%s is what an interrupted run of topology '%s' left (not a mounted namespace)",
				    path, buf + strlen(TOPO_ALIAS_PREFIX)), 0;
	}
	return backend_fail(b, "%s is a%s plain file, not a mounted network namespace (an interrupted "
			    "`ip netns add` or `ip netns delete`?)", path, n == 0 ? "n empty" : ""), 0;
}

/* Inside the new namespace: its descriptor and its sockets. */
static int netns_new_here(struct backend *b, struct bns *ns, bool ipv6)
{
	int r;

	ns->fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0)
		return backend_fail(b, "open /proc/self/ns/net: %s", strerror(errno)), -errno;
	bns_identify(ns, ns->fd);
	r = bns_sockets_here(b, ns);
	if (r == 0 && ipv6) {
		/* The kernel's own link-local addresses stay tentative for a second
		 * or two (DAD) and IPv6 forwarding waits on them; in a namespace
		 * nothing else shares, there is no duplicate to detect. */
		write_file("/proc/sys/net/ipv6/conf/all/accept_dad", "0");
		write_file("/proc/sys/net/ipv6/conf/default/accept_dad", "0");
	}
	return r;
}

int netns_create(struct backend *b, const char *name, bool ipv6, struct bns **ret)
{
	char path[512], tmp[512], del[512], token[TOPO_NAME_MAX + 16], src[64];
	struct bns *ns = bns_find(b, name);
	struct nl_msg *msg = NULL;
	enum netns_entry what;
	bool named = false;
	int fd, r;
	ssize_t n;

	r = netns_dir_prepare(b);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", b->netns_dir, name);
	hidden_path(b, "new", name, tmp, sizeof(tmp));
	hidden_path(b, "del", name, del, sizeof(del));
	r = netns_probe(b, name, &what, &fd);
	if (r < 0)
		return r;
	if (what == NSE_NETNS) {
		close(fd);
		return backend_fail(b, "create %s: %s", path, strerror(EEXIST)), -EEXIST;
	}
	if (what == NSE_FOREIGN)
		return -EEXIST;   /* b->err says what is there */
	if (what == NSE_LEFTOVER) {
		/* What an interrupted run of ours left: made again from scratch. */
		if (unlink(path) < 0 && errno != ENOENT)
			return backend_fail(b, "unlink %s: %s", path, strerror(errno)), -errno;
		if (unlink(del) < 0 && errno != ENOENT)
			return backend_fail(b, "unlink %s: %s", del, strerror(errno)), -errno;
	}

	if (!ns) {
		r = bns_add(b, name, TOPO_NS_CREATED, &ns);
		if (r < 0)
			return r;
	}
	bns_close(ns);
	ns->kind = TOPO_NS_CREATED;

	/* unshare() moves this thread into the new namespace; setns() brings it
	 * back. Until it has a name, a kill takes it with the process. */
	if (unshare(CLONE_NEWNET) < 0)
		return backend_fail(b, "unshare(CLONE_NEWNET): %s", strerror(errno)), -errno;
	r = netns_new_here(b, ns, ipv6);
	netns_leave(b);
	/* lo up and marked before the name exists: whatever has the name is
	 * recognisably ours from the first instant. The kernel handles the
	 * request during the send; the answer is read at once. */
	if (r == 0)
		r = link_lo_init_msg(b->topology, &msg);
	if (r == 0)
		r = nlq_request(b, ns, msg, NULL, NULL);
	if (r < 0) {
		if (!b->err[0] || r == -ENOMEM)
			backend_fail(b, "lo of the new namespace %s: %s", name, strerror(-r));
		goto fail;
	}
	/* The name: a file holding our token, moved into place only if the
	 * name is free, then the namespace mounted on it. */
	token_of(b, token, sizeof(token));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0) {
		r = -errno;
		backend_fail(b, "create %s: %s", tmp, strerror(errno));
		goto fail;
	}
	n = write(fd, token, strlen(token));
	r = n == (ssize_t)strlen(token) ? 0 : n < 0 ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) < 0)
		r = -errno;
	if (r < 0) {
		backend_fail(b, "create %s: %s", path, strerror(-r));
		unlink(tmp);
		goto fail;
	}
	named = true;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", ns->fd);
	if (mount(src, path, "none", MS_BIND, NULL) < 0) {
		r = -errno;
		backend_fail(b, "bind mount on %s: %s", path, strerror(errno));
		goto fail;
	}
	/* lo is ifindex 1 in every namespace. */
	r = ifnames_set(&ns->ifs, "lo", 1);
	if (r < 0) {
		umount2(path, MNT_DETACH);
		goto fail;
	}
	bns_fd_drop(b, ns);
	*ret = ns;
	return 0;
fail:
	bns_close(ns);
	if (named)
		unlink(path);
	return r;
}

/*
 * Every unmount waits for an RCU grace period (namespace_unlock), a few
 * microseconds on an idle machine, a millisecond or more on a busy one
 * (the kernel's teardown of other namespaces keeps the CPUs in long
 * non-preemptible stretches). Grace periods asked for at the same time
 * are shared: the unmounts are spread over a few threads, each with its
 * own share of the names. Threads touch nothing but their names and
 * errs[] slots; the mount namespace is the process's.
 */
#define UMOUNT_THREADS 16
#define UMOUNT_THREADS_MIN 32     /* fewer names: no thread */

struct umount_job {
	const struct backend *b;
	const char *const *names;
	int *errs;
	size_t from, to;
};

static void *umount_some(void *arg)
{
	struct umount_job *j = arg;
	char path[512];

	for (size_t i = j->from; i < j->to; i++) {
		if (j->errs[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", j->b->netns_dir, j->names[i]);
		/* Lazy: a process still inside keeps the namespace alive, the name goes now. */
		if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			j->errs[i] = -errno;
	}
	return NULL;
}

static void umount_all(const struct backend *b, const char *const *names, size_t n, int *errs)
{
	struct umount_job jobs[UMOUNT_THREADS];
	pthread_t tids[UMOUNT_THREADS];
	bool started[UMOUNT_THREADS] = { false };
	/* A few names: one after the other here (threads would cost more than the
	 * grace periods they share, and a kill at the Nth unmount stays the Nth
	 * of this thread's). */
	size_t k = n < UMOUNT_THREADS_MIN ? (n ? 1 : 0) : n < UMOUNT_THREADS ? n : UMOUNT_THREADS;

	for (size_t t = 0; t < k; t++) {
		jobs[t] = (struct umount_job){ b, names, errs, n * t / k, n * (t + 1) / k };
		/* Without a thread, this one does its share. */
		started[t] = t > 0 && pthread_create(&tids[t], NULL, umount_some, &jobs[t]) == 0;
	}
	if (k)
		umount_some(&jobs[0]);
	for (size_t t = 1; t < k; t++) {
		if (started[t])
			pthread_join(tids[t], NULL);
		else
			umount_some(&jobs[t]);
	}
}

/* One name's failure (errno as it is); b->err keeps the first reason. */
static void delete_fail(struct backend *b, int *first, int *err, const char *what, const char *path)
{
	*err = -errno;
	if (*first)
		return;
	*first = *err;
	backend_fail(b, "%s %s: %s", what, path, strerror(-*err));
}

/*
 * Deletes the named namespaces, in stages over the whole set rather than
 * name by name: the records of all, then every unmount, then the names,
 * then the descriptors and sockets. Each name keeps the order of the
 * proof (its record exists before its unmount, and goes only once the name
 * is gone), so a kill at any point leaves what netns_probe knows as ours.
 * errs[i] gets 0 or -errno for names[i], with the first failure's reason
 * in b->err; returns the first error or 0.
 */
int netns_delete_many(struct backend *b, const char *const *names, size_t n, int *errs)
{
	char path[512], tmp[512], del[512];
	int first = 0;

	for (size_t i = 0; i < n; i++)
		errs[i] = 0;
	/* The records first: once unmounted, an empty file (a namespace not
	 * made by netns_create: iproute2's, adopted) is known to be ours. */
	for (size_t i = 0; i < n; i++) {
		hidden_path(b, "del", names[i], del, sizeof(del));
		if (mknod(del, S_IFREG | 0444, 0) < 0 && errno != EEXIST)
			delete_fail(b, &first, &errs[i], "create", del);
	}
	umount_all(b, names, n, errs);
	/* With no record failing, whatever failed is an unmount. */
	for (size_t i = 0; i < n; i++)
		if (errs[i] && !first) {
			snprintf(path, sizeof(path), "%s/%s", b->netns_dir, names[i]);
			errno = -errs[i];
			delete_fail(b, &first, &errs[i], "umount", path);
		}
	for (size_t i = 0; i < n; i++) {
		if (errs[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", b->netns_dir, names[i]);
		hidden_path(b, "new", names[i], tmp, sizeof(tmp));
		hidden_path(b, "del", names[i], del, sizeof(del));
		if (unlink(path) < 0 && errno != ENOENT)
			delete_fail(b, &first, &errs[i], "unlink", path);
		else if (unlink(tmp) < 0 && errno != ENOENT)
			delete_fail(b, &first, &errs[i], "unlink", tmp);
		else if (unlink(del) < 0 && errno != ENOENT)
			delete_fail(b, &first, &errs[i], "unlink", del);
	}
	/* Last: until here the descriptors and sockets kept every namespace
	 * alive, so the kernel's teardown (which holds the CPUs) starts once
	 * all are unmounted, not in the middle. */
	for (size_t i = 0; i < n; i++) {
		struct bns *ns = bns_find(b, names[i]);

		if (ns)
			bns_close(ns);
	}
	return first;
}

static int names_add(char ***v, size_t *n, const char *name)
{
	char *copy = strdup(name), **slot = copy ? vec_append((void **)v, n, sizeof(**v)) : NULL;

	if (!slot) {
		free(copy);
		return -ENOMEM;
	}
	*slot = copy;
	return 0;
}

int netns_list(struct backend *b, char ***ret, size_t *ret_n)
{
	DIR *d = opendir(b->netns_dir);
	char prefix_new[TOPO_NAME_MAX + 16], prefix_del[TOPO_NAME_MAX + 16];
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;
	int r = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return backend_fail(b, "cannot read %s: %s", b->netns_dir, strerror(errno)), -errno;
	}
	snprintf(prefix_new, sizeof(prefix_new), ".topo-new:%s:", b->topology);
	snprintf(prefix_del, sizeof(prefix_del), ".topo-del:%s:", b->topology);
	while (r == 0 && (e = readdir(d))) {
		const char *name = e->d_name;

		/* Our hidden files name what an interrupted run was doing. */
		if (strncmp(name, prefix_new, strlen(prefix_new)) == 0)
			name += strlen(prefix_new);
		else if (strncmp(name, prefix_del, strlen(prefix_del)) == 0)
			name += strlen(prefix_del);
		if (name[0] == '.' || !name[0] || strlen(name) > TOPO_NS_NAME_MAX)
			continue;
		r = names_add(&v, &n, name);
	}
	closedir(d);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int netns_getlink(struct backend *b, struct bns *host, const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST);

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || nla_put_string(msg, IFLA_IFNAME, name) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return nlq_request(b, host, msg, NULL, NULL);
}

/*
 * The kernel tears namespaces down in order, in one worker: a throwaway
 * namespace with a veth end in host, dropped now, is torn down after every
 * namespace that died before it. When its host end is gone, so are theirs.
 */
int netns_cleanup_barrier(struct backend *b)
{
	struct bns *host = bns_find(b, TOPO_NS_HOST);
	struct rtnl_link *l = NULL, *peer;
	struct nl_msg *msg = NULL;
	char name[16];
	int fd, r;

	if (!host || !host->sk)
		return -ENOENT;
	snprintf(name, sizeof(name), "topo-b%d", (int)(getpid() % 100000000));
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	netns_leave(b);
	if (fd < 0)
		return -errno;
	l = rtnl_link_veth_alloc();
	if (!l) {
		close(fd);
		return -ENOMEM;
	}
	rtnl_link_set_name(l, name);
	peer = rtnl_link_veth_get_peer(l);   /* a reference */
	rtnl_link_set_name(peer, "b");
	rtnl_link_set_ns_fd(peer, fd);
	r = rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, &msg) < 0 ? -ENOMEM : 0;
	rtnl_link_put(peer);
	rtnl_link_put(l);
	if (r == 0)
		r = nlq_request(b, host, msg, NULL, NULL);
	close(fd);   /* the throwaway namespace dies here */
	if (r < 0)
		return r;
	for (int i = 0; i < 2500; i++) {
		r = netns_getlink(b, host, name);
		if (r == -ENODEV)
			return 0;
		if (r < 0)
			return r;
		nanosleep(&(struct timespec){ 0, 2 * 1000 * 1000 }, NULL);
	}
	return -ETIMEDOUT;
}

int netns_switch_for_exec(const char *name, enum topo_ns_kind kind, const char *path, int pid, char *err,
			  size_t errlen)
{
	char buf[512];
	int fd;

	if (kind == TOPO_NS_IS_HOST)
		return 0;
	if (kind == TOPO_NS_PATH || kind == TOPO_NS_DOCKER)
		snprintf(buf, sizeof(buf), "%s", path ? path : "");
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
