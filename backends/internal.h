/* SPDX-License-Identifier: MIT */
/* Shared by the backend files only. */
#ifndef TOPO_BACKENDS_INTERNAL_H
#define TOPO_BACKENDS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/backend.h"
#include "model/strmap.h"

struct nl_sock;
struct nl_cb;
struct nl_msg;
struct mnl_socket;

/* name -> ifindex for one namespace; the names are the map's own copies. */
/* A namespace's interface names -> ifindex, 0 = unknown. The first few
 * inline (most namespaces of a lab hold lo and a link or two: no
 * allocation for them), the rest in the map (keys owned). */
#define IFNAMES_INLINE 4

struct ifnames {
	struct {
		char name[TOPO_IFNAME_MAX + 1];
		int ifindex;
	} few[IFNAMES_INLINE];
	size_t n_few;
	struct hashmap map;
};

int ifnames_set(struct ifnames *m, const char *name, int ifindex);
int ifnames_get(const struct ifnames *m, const char *name);   /* 0 = unknown */
void ifnames_del(struct ifnames *m, const char *name);
void ifnames_free(struct ifnames *m);

/* A request sent and not yet answered. */
struct nl_pending {
	uint32_t seq;
	size_t tag;             /* index into the caller's batch */
};

/* topo_iface.peer_netnsid of a veth whose peer's namespace is dying. */
#define NSID_DYING (-2)

/* One namespace the backend works in. */
struct bns {
	char name[TOPO_NS_NAME_MAX + 1];
	enum topo_ns_kind kind;
	/* The namespace (open file), -1 = not held: under a tight descriptor
	 * limit it is closed once the sockets exist and reopened on demand
	 * (bns_fd), checked to be the same namespace by its inode. */
	int fd;
	char *path;             /* TOPO_NS_PATH */
	int pid;                /* TOPO_NS_PID */
	unsigned long long ino, dev;   /* identity, known once opened */
	struct nl_sock *sk;     /* rtnetlink, bound inside the namespace */
	struct mnl_socket *nft; /* nfnetlink, bound inside the namespace; NULL until needed */
	uint32_t nft_seq;
	bool promote_secondaries;   /* set in this (created) namespace already */
	struct ifnames ifs;
	struct nl_pending *pending;
	size_t n_pending, cap_pending;
	/* Which namespace this is to the id cache (backend.nsids): new with
	 * each socket set, which holds the namespace for as long as it lives. */
	uint32_t gen;
};

struct backend {
	char topology[TOPO_NAME_MAX + 1];
	struct backend_opts opts;
	char netns_dir[256];
	int self_fd;            /* the namespace topo started in ("host") */
	struct bns **ns;        /* each allocated alone, so a struct bns * stays valid */
	size_t n_ns;
	struct strmap ns_index; /* name -> index; keys borrowed from ns[i]->name */
	bool netns_dir_ready;   /* netns_dir is a shared mount point (as iproute2 makes it) */
	/* Namespace descriptors are kept open only when every namespace's
	 * three (file, rtnetlink, nfnetlink) fit the limit; otherwise the ones
	 * opened for one step are listed here and closed after it. */
	bool hold_fds;
	bool read_all;          /* backend_read_everything */
	bool destroying;        /* backend_read_for_destroy */
	struct bns *pinned[8];
	size_t n_pinned;
	/* Interruption (SIGINT/SIGTERM): asked between steps; true = stop. */
	bool (*stop)(void *arg);
	void *stop_arg;
	struct topo_state *state;
	pthread_mutex_t err_lock;       /* backend_fail from two workers */
	struct nl_cb *nl_cb;            /* shared by every namespace's socket */
	/* Peer resolution: the id a namespace has as seen from another,
	 * keyed by both bns.gen (link.c, nsid_key). */
	struct hashmap nsids;
	uint32_t ns_gen;                /* the last bns.gen given */
	char err[512];
	/* Per-batch step messages (exec): a step's text, allocated when it
	 * fails (a batch is thousands of steps, and they rarely fail). */
	char **msgs;
	size_t n_msgs;
	unsigned long sent;     /* netlink requests sent (for the kill hook) */
	/* A rollback's veths not made again: gone with their peer's namespace
	 * (exec.c, rollback_gone); what hung on them is not put back either. */
	struct gone_link { char ns[TOPO_NS_NAME_MAX + 1], name[TOPO_IFNAME_MAX + 1]; } *gone;
	size_t n_gone;
	unsigned gone_wait_ms;  /* spent waiting for those namespaces to go */
	/* destroy: the links that go with deleted namespaces, waited for
	 * later (backend_defer_waits). */
	bool defer_waits;
	struct step_wait *deferred;
	size_t n_deferred;
};

__attribute__((format(printf, 2, 3)))
int backend_fail(struct backend *b, const char *fmt, ...);   /* sets b->err; returns -1 */

/* ----------------------------------------------------------------- netns -- */

struct bns *bns_find(struct backend *b, const char *name);
/* Opens (or, for CREATED with create, makes) the namespace and its socket.
 * -ENOENT when a CREATED namespace does not exist. */
int bns_open(struct backend *b, const char *name, enum topo_ns_kind kind, const char *path, int pid,
	     struct bns **ret);
/*
 * Creates a namespace and gives it its name in a way a kill at any instant
 * leaves recognisable: lo is marked (alias topo:<topology>, up) while the
 * namespace is still anonymous; the name is a file holding the token
 * "topo:<topology>" renamed exclusively into place, then the namespace is
 * bind-mounted on it. A leftover of ours (see netns_probe) at the name is
 * removed first.
 */
int netns_create(struct backend *b, const char *name, bool ipv6, struct bns **ret);
/* bns_open with the namespace already open (takes fd). */
int bns_open_fd(struct backend *b, const char *name, enum topo_ns_kind kind, const char *path, int pid, int fd,
		struct bns **ret);
/* The namespace's descriptor: held, or opened now and closed by
 * bns_fd_unpin (the caller keeps it only until then). */
int bns_fd(struct backend *b, struct bns *ns);
void bns_fd_unpin(struct backend *b);
/* Is fd the namespace ns was when first opened (device and inode)? Its own
 * descriptor may be closed already under a tight fd limit. */
bool bns_is(const struct bns *ns, int fd);

/* What is at netns_dir/NAME. */
enum netns_entry {
	NSE_ABSENT,             /* nothing, and none of our hidden files for it */
	NSE_NETNS,              /* a mounted network namespace */
	NSE_LEFTOVER,           /* ours, interrupted: a plain file holding our token, an
				 * empty one with our deletion record, or only our hidden files */
	NSE_FOREIGN,            /* anything else: a plain file, a mount that is not a netns... */
};
/* Classifies NAME; for NSE_NETNS *fd is an open descriptor of it (else -1);
 * for NSE_FOREIGN, why goes to b->err. 0 or -errno (an open failure other
 * than ENOENT: the entry could not be read, which is not "absent"). */
int netns_probe(struct backend *b, const char *name, enum netns_entry *ret, int *fd);
/* Returns once the kernel has torn down every namespace that died before
 * the call (their devices gone). 0 or -errno. */
int netns_cleanup_barrier(struct backend *b);
/* Is link NAME in namespace ns there? 0, -ENODEV when it is not, or -errno. */
int netns_getlink(struct backend *b, struct bns *ns, const char *name);
/* Interruption check between steps. */
bool backend_stop_requested(struct backend *b);
/* Opens the namespace's nfnetlink socket if it is not open yet. */
int bns_nft_socket(struct backend *b, struct bns *ns);
/* Closes it (reopened by the next bns_nft_socket). */
void bns_nft_close(struct bns *ns);
/* Writes /proc/sys/PATH in the namespace the caller is in. */
int netns_write_sysctl_here(const char *path, const char *value);
/* Deletes named namespaces of ours (recorded, unmounted, unlinked; see
 * netns_probe for what a kill leaves): errs[i] for names[i]; the first
 * error (reason in b->err) or 0. */
int netns_delete_many(struct backend *b, const char *const *names, size_t n, int *errs);
/* Runs fn inside the namespace (setns there and back). */
int netns_run(struct backend *b, struct bns *ns, int (*fn)(void *arg), void *arg);
int netns_enter(struct backend *b, struct bns *ns);
int netns_leave(struct backend *b);
/* Names under netns_dir, for scans. */
int netns_list(struct backend *b, char ***ret, size_t *ret_n);

/* ------------------------------------------------------------ netlink I/O -- */

/* Completes (seq, ack) and sends; the answer comes with nlq_drain. Takes msg. */
int nlq_queue(struct backend *b, struct bns *ns, struct nl_msg *msg, size_t tag);
/*
 * Reads answers until nothing is pending on this socket. For each error
 * answer calls on_err(tag, -errno, kernel message or NULL); for each other
 * message (an echo) calls on_msg(tag, nlmsghdr). Returns 0 or -errno on a
 * transport failure.
 */
int nlq_drain(struct backend *b, struct bns *ns,
	     void (*on_err)(void *arg, size_t tag, int err, const char *msg),
	     void (*on_msg)(void *arg, size_t tag, const void *nlh), void *arg);
/* True when NL_WINDOW answers are waiting: drain before sending more. */
bool nlq_window_full(const struct bns *ns);
/* Dumps (type = RTM_GETLINK...) and calls fn for each message; restarts when
 * the kernel says the dump was interrupted (NLM_F_DUMP_INTR). */
int nlq_dump(struct backend *b, struct bns *ns, int type, int family,
	    int (*fn)(void *arg, const void *nlh), void *arg, void (*reset)(void *arg));
/* The same for AF_INET, then AF_INET6, as one dump. Not AF_UNSPEC: the
 * kernel serves that under RTNL for every family it knows (multicast
 * routing's too), where one family's dump of addresses or routes takes
 * no lock; next to a big lab's DAD and MLD work (which holds RTNL) a read
 * of a thousand namespaces is a third faster. */
int nlq_dump_inet(struct backend *b, struct bns *ns, int type, int (*fn)(void *arg, const void *nlh), void *arg,
		  void (*reset)(void *arg));
/* One request, one answer; on_msg gets the answer's data messages. */
int nlq_request(struct backend *b, struct bns *ns, struct nl_msg *msg,
	       void (*on_msg)(void *arg, size_t tag, const void *nlh), void *arg);

/* ----------------------------------------------------------- object files -- */

/* shape.c: the root qdisc of each interface (topo_iface.shape). link_root:
 * the kind the link dump names (IFLA_QDISC), kept in the interface only
 * when it is not the kernel's plain default (noqueue, noop); 0 or -ENOMEM. */
int shape_link_root(struct topo_iface *ifc, const char *kind);
int shape_observe(struct backend *b, struct bns *ns, const struct topo_ns *desired, struct topo_ns *out);
int shape_msg(struct backend *b, struct bns *ns, const struct step *s, struct nl_msg **ret);
/* A step's error in words the user can act on (netem missing), or msg untouched. */
void shape_explain(const struct step *s, int err, char *msg, size_t len);

/* link.c */
/* ret is the caller's to topo_iface_clear, whatever the result. */
int link_parse(const void *nlh, struct topo_iface *ret);
int link_observe(struct backend *b, struct bns *ns, struct topo_ns *out);
int link_add_msg(struct backend *b, struct bns *ns, const struct step *s, struct nl_msg **ret);
int link_del_msg(struct backend *b, struct bns *ns, const char *name, struct nl_msg **ret);
int link_set_msg(struct backend *b, struct bns *ns, const struct step *s, struct nl_msg **ret);
int link_up_msg(struct backend *b, struct bns *ns, const char *name, bool up, struct nl_msg **ret);
int link_master_msg(struct backend *b, struct bns *ns, const char *name, const char *master, struct nl_msg **ret);
int link_set_alias_msg(struct backend *b, struct bns *ns, const char *name, const char *alias,
		       struct nl_msg **ret);
int link_mark_msg(const char *name, const char *owner, struct nl_msg **ret);
/* lo of a namespace topo just created: up, and carrying the mark, in one request. */
int link_lo_init_msg(const char *owner, struct nl_msg **ret);
int link_resolve(struct backend *b, struct bns *ns, const char *name);   /* ifindex or -errno */
int link_peers_resolve(struct backend *b, struct topology *obs);
int link_lowers_resolve(struct backend *b, struct topology *obs);   /* a lower link in another namespace */

/* addr.c */
int addr_observe(struct backend *b, struct bns *ns, struct topo_ns *out);
int addr_msg(struct backend *b, struct bns *ns, bool add, const char *ifname, const struct topo_addr *a,
	     struct nl_msg **ret);

/* route.c */
/* kernel_own: also the routes the kernel made itself (protocol kernel),
 * which only `absent:` entries (and their records), show and export need;
 * kernel_local: of those, the local and broadcast ones too (absent: only). */
int route_observe(struct backend *b, struct bns *ns, struct topo_ns *out, bool kernel_own, bool kernel_local);
/* fdb.c: static fdb entries (after link_observe: it reads out->ifaces) */
int fdb_observe(struct backend *b, struct bns *ns, struct topo_ns *out);
int fdb_msg(struct backend *b, struct bns *ns, bool add, const char *ifname, const struct topo_fdb *e,
	    struct nl_msg **ret);
int route_msg(struct backend *b, struct bns *ns, enum step_op op, const struct topo_route *rt,
	      struct nl_msg **ret);

/* sysctl.c: inside the namespace (the caller has entered it) */
int sysctl_read(const char *key, char **ret);          /* -ENOENT when the key does not exist */
int sysctl_write(const char *key, const char *value);
int sysctl_observe(struct backend *b, struct bns *ns, const struct topo_ns *desired,
		   const struct topo_state *state, struct topo_ns *out);

/* nft.c */
struct nlmsghdr;
/* One nfnetlink request (a dump when NLM_F_DUMP), fn called per answer;
 * -EINTR when the ruleset changed under a dump (*gen: its generation). */
int nft_talk(struct bns *ns, struct nlmsghdr *req, int *gen,
	     int (*fn)(void *arg, const struct nlmsghdr *nlh), void *arg);
uint32_t next_seq(struct bns *ns);
/* dockeruser.c: coexist docker_user rules, iptables-legacy detection (host). */
int dockeruser_observe(struct backend *b, struct bns *ns, struct topo_ns *out);
int dockeruser_apply(struct backend *b, struct bns *ns, const struct step *s);
/* published.c: the ports other tables publish by dnat (when the file declares a dnat here). */
int published_observe(struct backend *b, struct bns *ns, struct topo_ns *out);
int nft_observe(struct backend *b, struct bns *ns, struct topo_ns *out);
int nft_apply(struct backend *b, struct bns *ns, struct step *s);
/* The ownership mark: the comment topo's nft tables carry. */
void nft_mark_comment(const char *topology, char *buf, size_t len);
/* nft text (nftx.c): read after nft_observe; applied after nft.c's batch. */
int nftx_observe(struct backend *b, struct bns *ns, const struct topo_ns *desired, struct topo_ns *out);
int nftx_apply(struct backend *b, struct bns *ns, struct step *s);

#endif
