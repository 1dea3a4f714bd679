/* SPDX-License-Identifier: MIT */
/*
 * The topology model: plain data, no syscalls.
 *
 * The loader fills it from a file; the backends fill the same types from the
 * kernel ("observed"), so the reconciler compares like with like. Fields that
 * only the kernel can tell (ifindex, owner mark, veth peer) live beside the
 * declared ones and stay zero in a loaded model.
 *
 * Every value is canonical once loaded: addresses are binary (so IPv6 and MAC
 * spelling never matter), route metrics carry the kernel default, `table: main`
 * is 254, sysctl values have single spaces.
 */
#ifndef TOPO_MODEL_TOPOLOGY_H
#define TOPO_MODEL_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The nft families (topo_nft_families, model/nft_text.h). */
#define TOPO_NFT_FAMILY_SLOTS 6

/* Documented limits: a file that goes past them is refused at load. */
#define TOPO_NAME_MAX       32        /* topology name length */
#define TOPO_NS_NAME_MAX    64        /* namespace name length */
#define TOPO_IFNAME_MAX     15        /* IFNAMSIZ - 1 */
#define TOPO_MAX_NAMESPACES 4096
#define TOPO_MAX_INTERFACES 65536     /* in the whole file */
#define TOPO_MAX_ADDRESSES  65536     /* in the whole file */
#define TOPO_MAX_ROUTES     65536     /* in the whole file */
#define TOPO_MAX_RULES      4096      /* nat + forward entries in the whole file */
#define TOPO_MAX_SYSCTLS    4096      /* in the whole file */
#define TOPO_MAX_CHECKS     4096
#define TOPO_MAX_FILE_SIZE  (16u << 20)

/* The route protocol topo tags its routes with (rtm_protocol, see
 * /etc/iproute2/rt_protos). Unused by the kernel and by the routing daemons
 * listed in linux/rtnetlink.h. */
#define TOPO_RTPROT         0x95      /* 149 */
/* rtm_protocol of the routes the kernel makes itself (RTPROT_KERNEL). */
#define TOPO_RTPROT_KERNEL  2
/* The address protocol (IFA_PROTO, Linux >= 5.18) topo tags its addresses with. */
#define TOPO_IFAPROT        0x95
/* The ifalias prefix that marks a link (or a created namespace's lo) as ours. */
#define TOPO_ALIAS_PREFIX   "topo:"

#define TOPO_NS_HOST        "host"

/* Objects of one table kind (model/kind.h) in a namespace: kind->size
 * bytes each. */
#define TOPO_KINDS_MAX      4
struct topo_objs {
	unsigned char *v;
	size_t n;
};

struct topo_pos {
	unsigned line;          /* 1-based; 0 = not from a file */
	unsigned col;           /* 1-based */
};

/* An IPv4 or IPv6 address with a prefix length. */
struct topo_ip {
	uint8_t family;         /* AF_INET or AF_INET6; 0 = unset */
	uint8_t plen;
	uint8_t bytes[16];
};

/*
 * A link's type: a table in model/ (model/linktype.h), NULL = not given.
 * The names below are kept for the code and tests that build models by
 * hand; the generic code asks the table's flags, not the name.
 */
struct topo_linktype;
extern const struct topo_linktype topo_lt_bridge, topo_lt_veth, topo_lt_vxlan, topo_lt_loopback, topo_lt_other;
#define TOPO_IF_UNSET    ((const struct topo_linktype *)0)
#define TOPO_IF_BRIDGE   (&topo_lt_bridge)
#define TOPO_IF_VETH     (&topo_lt_veth)
#define TOPO_IF_VXLAN    (&topo_lt_vxlan)
#define TOPO_IF_LOOPBACK (&topo_lt_loopback)
#define TOPO_IF_OTHER    (&topo_lt_other)   /* observed only: a kind topo does not manage */

/* One option of a link type, topo_iface.opt[i] for the type's option i.
 * As many as the type with the most has (vxlan's 12; each type asserts it
 * fits). Out of line, and only on an interface whose type has options
 * (topo_iface_set_type): most links of a lab are veths, and 288 bytes in
 * each of them, in both models and in each veth step, were a sixth of
 * apply's memory. */
#define TOPO_LINK_OPTS_MAX 12
struct topo_linkopt {
	bool set;                         /* declared (loaded) / reported (observed) */
	union {
		uint32_t u;
		uint16_t range[2];
		struct topo_ip ip;
		char name[TOPO_IFNAME_MAX + 1];
	};
};

/*
 * Link shaping (`rate:`/`burst:`/`latency:`, or `netem:`): topo's root
 * qdisc on the interface, tbf or netem, with handle TOPO_QDISC_HANDLE. The
 * loaded values are canonical (model/shape.c fills burst and limit). The
 * observed side says what root qdisc the kernel has.
 */
#define TOPO_QDISC_HANDLE 0x95000000u   /* 9500: as tc writes it */

enum topo_qdisc_root {
	TOPO_QDISC_DEFAULT = 0,   /* none, or the kernel's own (noqueue, pfifo_fast, ... handle 0:) */
	TOPO_QDISC_OURS,          /* tbf or netem with TOPO_QDISC_HANDLE */
	TOPO_QDISC_FOREIGN,       /* anything else: someone's */
};

struct topo_shape {
	uint64_t rate;                    /* bytes per second; 0 = no tbf */
	uint32_t burst;                   /* bytes */
	uint32_t limit;                   /* bytes queued, from latency */
	uint32_t latency_us;              /* as declared (limit is what the kernel keeps) */
	bool netem;
	uint32_t delay_us;                /* netem */
	uint32_t loss_ppm;                /* netem: parts per million */
	/* Observed only. */
	enum topo_qdisc_root root;
	char root_kind[16];
	uint32_t root_handle;
};

struct topo_addr {
	struct topo_ip ip;
	struct topo_pos pos;
	uint8_t proto;          /* observed: IFA_PROTO (TOPO_IFAPROT = ours) */
};

/* IFLA_INET6_ADDR_GEN_MODE, one up (IN6_ADDR_GEN_MODE_EUI64 is 0). */
enum topo_agm {
	TOPO_AGM_UNSET,
	TOPO_AGM_EUI64,
	TOPO_AGM_NONE,
	TOPO_AGM_STABLE_SECRET,
	TOPO_AGM_RANDOM,
};

struct topo_peer_end {
	char ns[TOPO_NS_NAME_MAX + 1];
	char name[TOPO_IFNAME_MAX + 1];
};

struct topo_iface {
	char name[TOPO_IFNAME_MAX + 1];
	const struct topo_linktype *type;
	uint32_t mtu;                     /* 0 = not declared */
	bool mtu_from_defaults;           /* loaded: mtu is the file's defaults: mtu */
	/* How the kernel makes the link's IPv6 link-local address, enum
	 * topo_agm. Desired: TOPO_AGM_UNSET = not declared (left to the kernel).
	 * Observed: TOPO_AGM_UNSET = the link has no IPv6. */
	uint8_t addr_gen_mode;
	bool has_mac;
	uint8_t mac[6];
	bool up;                          /* desired: always true */
	char master[TOPO_IFNAME_MAX + 1]; /* "" = no master */
	/* The type's options, TOPO_LINK_OPTS_MAX of them, when the type has
	 * any; NULL when it has none. Owned: see topo_iface_copy_link. */
	struct topo_linkopt *opt;
	/* Its shaping (declared) or root qdisc (observed), out of line as opt
	 * is: NULL = not shaped, a default root. Read it with topo_iface_shape
	 * (never NULL), write it through topo_iface_shape_edit. */
	struct topo_shape *shape;
	struct topo_pos shape_pos;        /* where rate: or netem: is */
	/* A bridge of a node's host stretched over the nodes (model/nodes.h):
	 * its tunnel's vni and UDP port (0 = derived, 4789). Loaded only; a
	 * node's slice has made it a plain bridge with a vxlan port. */
	bool stretch;
	uint16_t stretch_port;
	uint32_t stretch_vni;
	/* The namespace of the link its type's dep_key option names, when that
	 * is not its own ("host" for `parent: host:eth0`); NULL = its own.
	 * Out of line as opt is (a few links of a lab have one); read it with
	 * topo_iface_link_ns, set it with topo_iface_set_link_ns. */
	char *link_ns;

	struct topo_addr *addrs;
	size_t n_addrs;

	int link;                         /* index in topology.links, -1 if none */
	struct topo_pos pos;

	/* Observed only. */
	int ifindex;
	bool owned;                       /* carries TOPO_ALIAS_PREFIX<topology> */
	char owner[TOPO_NAME_MAX + 1];    /* topology named by the alias, "" = none */
	int master_ifindex;
	int peer_ifindex;                 /* veth: the peer's ifindex in its netns */
	int peer_netnsid;                 /* veth: -1 = same namespace */
	/* veth: its other end, resolved by the backend; NULL = unknown. Out
	 * of line (owned as opt is): read it with topo_iface_peer_ns and
	 * topo_iface_peer_name, set it with topo_iface_set_peer. */
	struct topo_peer_end *peer_end;
};

enum topo_rtype {
	TOPO_RT_UNICAST = 0,
	TOPO_RT_BLACKHOLE,
	TOPO_RT_UNREACHABLE,
	TOPO_RT_PROHIBIT,
	/* Observed only, and only as the kernel makes them (protocol kernel):
	 * what an `absent:` entry can name. */
	TOPO_RT_LOCAL,
	TOPO_RT_BROADCAST,
};

#define TOPO_TABLE_DEFAULT 253
#define TOPO_TABLE_MAIN    254
#define TOPO_TABLE_LOCAL   255

/* rtm_scope values (linux/rtnetlink.h), named as `ip route` names them. */
#define TOPO_SCOPE_GLOBAL 0
#define TOPO_SCOPE_LINK   253
#define TOPO_SCOPE_HOST   254

/* Nexthops of one multipath (ECMP) route; more is refused at load. */
#define TOPO_ROUTE_NH_MAX 8

/* One path of a multipath route. */
struct topo_route_nh {
	struct topo_ip via;               /* family 0 = no gateway */
	char dev[TOPO_IFNAME_MAX + 1];    /* "" = resolved by the kernel from via */
	uint16_t weight;                  /* 1..256, as `ip route` writes it */
	int oif;                          /* observed only */
};

struct topo_route {
	struct topo_ip dst;               /* network, host bits zero; plen 0 = default */
	struct topo_ip via;               /* family 0 = no gateway */
	struct topo_ip src;               /* family 0 = no preferred source */
	char dev[TOPO_IFNAME_MAX + 1];    /* "" = resolved by the kernel from via */
	uint32_t metric;                  /* canonical: IPv6 unset = 1024 */
	uint32_t table;                   /* canonical: main = 254 */
	enum topo_rtype type;
	uint32_t nhid;                    /* a nexthop object (nexthops:); 0 = none */
	bool onlink;                      /* the gateway(s) are on the link, whatever the subnets say */
	bool has_scope;                   /* false = the kernel's choice (topo_route_default_scope) */
	uint8_t scope;                    /* rtm_scope, when has_scope */
	uint32_t mtu;                     /* RTA_METRICS RTAX_MTU; 0 = none */
	uint32_t advmss;                  /* RTAX_ADVMSS; 0 = none */
	/* A multipath route: n_nh >= 2, sorted (topo_route_nh_sort), and via
	 * and dev are empty; 0 = a route with one path (via/dev above). The
	 * paths are out of line (most routes have none; a route is copied
	 * with topo_route_copy and its paths freed with topo_route_clear). */
	uint8_t n_nh;
	struct topo_route_nh *nh;
	struct topo_pos pos;

	/* Observed only. */
	uint8_t proto;                    /* rtm_protocol; TOPO_RTPROT = ours */
	int oif;
};

/*
 * An `absent:` entry: a route the kernel makes by itself (protocol kernel:
 * a local-table route of an address, a prefix route) that must not exist.
 * topo deletes what matches on apply and records it in the state file, so
 * destroy, or the entry leaving the file, puts back exactly that route.
 */
struct topo_absent {
	struct topo_ip dst;
	uint32_t table;                   /* canonical: main = 254 */
	enum topo_rtype type;             /* unicast, local or broadcast */
	bool has_metric;                  /* false = any metric */
	uint32_t metric;
	char dev[TOPO_IFNAME_MAX + 1];    /* "" = any device */
	struct topo_pos pos;
};

/* A static forwarding-database entry on a link (`bridge fdb append MAC dev
 * DEV dst IP`): a vxlan's head-end replication list. It has no owner field;
 * an entry on a link topo owns is topo's (reconcile/owner.c). */
struct topo_fdb {
	char dev[TOPO_IFNAME_MAX + 1];
	uint8_t mac[6];
	struct topo_ip dst;
	struct topo_pos pos;
};

struct topo_sysctl {
	char *key;                        /* dotted form, as sysctl(8) writes it */
	char *value;                      /* canonical: single spaces, trimmed */
	struct topo_pos pos;
};

/* `in:`/`out:` of a NAT or forward rule: an interface name, maybe negated. */
struct topo_ifmatch {
	char name[TOPO_IFNAME_MAX + 1];   /* "" = any */
	bool negate;
};

enum topo_nat_kind {
	TOPO_NAT_MASQUERADE,
	TOPO_NAT_SNAT,
	TOPO_NAT_DNAT,
	TOPO_NAT_REDIRECT,                /* dnat to the incoming interface's address */
};

/* masquerade/snat flags (nft's words: random, fully-random, persistent). */
#define TOPO_NAT_F_RANDOM       1u
#define TOPO_NAT_F_FULLY_RANDOM 2u
#define TOPO_NAT_F_PERSISTENT   4u

struct topo_nat {
	enum topo_nat_kind kind;
	struct topo_ip source;            /* family 0 = any */
	struct topo_ip destination;       /* family 0 = any */
	struct topo_ifmatch in;
	struct topo_ifmatch out;
	uint8_t protocol;                 /* IPPROTO_TCP/UDP/SCTP, dnat also ICMP/ICMPV6; 0 = any */
	uint16_t port_lo, port_hi;        /* dnat/redirect: matched destination ports; 0 = any */
	struct topo_ip to;                /* snat/dnat target address (full plen); dnat: family 0 = keep it */
	uint16_t to_port;                 /* dnat/redirect: 0 = keep the port; masquerade/snat: ports from */
	uint16_t to_port_hi;              /* a range to_port-to_port_hi; 0 = to_port alone */
	unsigned flags;                   /* masquerade/snat: TOPO_NAT_F_* */
	struct topo_pos pos;
};

enum topo_fwd_action {
	TOPO_FWD_ACCEPT,
	TOPO_FWD_DROP,
};

struct topo_forward {
	enum topo_fwd_action action;
	struct topo_ifmatch in;
	struct topo_ifmatch out;
	struct topo_ip source;
	struct topo_ip destination;
	struct topo_pos pos;
};

/* A rule as it stands in the kernel, rendered in nft's words by the backend,
 * so the reconciler can compare it with the rendering of a declared rule. */
struct topo_nft_rule {
	char *chain;                      /* "prerouting", "output", ... */
	char *text;
};

/* nft text a namespace declares (nft:): the body of `table FAMILY
 * topo-<topology> { ... }` (model/nft_text.h), loaded by libnftables. */
struct topo_nft_text {
	char family[8];                   /* inet, ip, ip6, arp, bridge, netdev */
	char *text;
	struct topo_pos pos;              /* the value (its '|') */
	unsigned line;                    /* file line of the text's first line */
	unsigned indent;                  /* columns stripped from each line */
	/* Text topo rendered (filter:): where each of its lines came from;
	 * NULL for text from the file. */
	struct topo_pos *line_pos;
	size_t n_line_pos;
};

enum topo_ns_kind {
	TOPO_NS_CREATED = 0,   /* a named namespace topo creates and owns */
	TOPO_NS_IS_HOST,       /* the namespace topo runs in */
	TOPO_NS_PATH,          /* attached by path: never created or deleted */
	TOPO_NS_PID,           /* attached by a process's pid */
	TOPO_NS_DOCKER,        /* attached by a Docker container's name or id:
	                        * path is where its namespace is now, asked of
	                        * the daemon at every run (backends/docker.c) */
};

/* Attached: never created or deleted by topo, shared with whoever made it. */
static inline bool topo_ns_attached(enum topo_ns_kind k)
{
	return k == TOPO_NS_PATH || k == TOPO_NS_PID || k == TOPO_NS_DOCKER;
}
/* A port another table publishes by dnat (Docker's DOCKER chain, CNI's
 * portmap, another topology's table): observed only. */
struct topo_published {
	uint8_t protocol;                 /* IPPROTO_TCP/UDP/SCTP; 0 = any */
	uint16_t port_lo, port_hi;        /* 0, 0 = any port */
	struct topo_ip daddr;             /* family 0 = any (local) address */
	char table[64];                   /* "ip nat" */
	char chain[64];
	char topology[TOPO_NAME_MAX + 1]; /* another topology's table: its name */
};

/* A rule in Docker's DOCKER-USER chain marked topo:<owner> (observed). */
struct topo_du_rule {
	char ifname[TOPO_IFNAME_MAX + 1];
	bool out;                         /* oifname (else iifname) */
	bool plain;                       /* just that match and accept, as topo writes it */
	char owner[TOPO_NAME_MAX + 1];
};

struct topo_ns {
	char name[TOPO_NS_NAME_MAX + 1];
	enum topo_ns_kind kind;
	char node[TOPO_NS_NAME_MAX + 1];  /* a file with nodes: the node it is on; "" = none */
	char *path;                       /* TOPO_NS_PATH; TOPO_NS_DOCKER once resolved */
	int pid;                          /* TOPO_NS_PID */
	char *docker;                     /* TOPO_NS_DOCKER: the container's name or id */
	char *docker_socket;              /* TOPO_NS_DOCKER: the file's docker_socket:, NULL = default */
	char *docker_netns;               /* TOPO_NS_DOCKER, resolved: "DEV:INO" of path; NULL before */

	struct topo_iface *ifaces;
	size_t n_ifaces;
	struct topo_route *routes;
	size_t n_routes;
	struct topo_absent *absent_routes;
	size_t n_absent_routes;
	struct topo_sysctl *sysctls;
	size_t n_sysctls;
	struct topo_nat *nat;
	size_t n_nat;
	struct topo_forward *forward;
	size_t n_forward;
	struct topo_objs objs[TOPO_KINDS_MAX];   /* per table kind, model/kind.h */
	struct topo_nft_text *nft_text;   /* one per family, file order */
	size_t n_nft_text;
	struct topo_fdb *fdb;
	size_t n_fdb;
	struct topo_pos pos;

	/* Observed only (the flags side by side: a namespace is in both
	 * models, thousands of times). */
	bool exists;
	bool owned;                       /* created namespace whose lo carries our mark */
	bool is_self;                     /* the namespace topo runs in (same st_dev/st_ino as host's) */
	bool nft_table;                   /* our nft table is present, with our mark */
	bool nft_table_foreign;           /* a table of our table's name, without our mark */
	bool nft_docker;                  /* Docker's iptables chains are there */
	bool nft_cni;                     /* CNI's iptables chains (CNI-*) are there */
	bool docker_user_chain;           /* host: table ip filter has Docker's chain DOCKER-USER */
	bool iptables_legacy;             /* host: xt tables in use (/proc/net/ip_tables_names) */
	bool nftx_read;                   /* nft text was read (below) */
	char *absent;                     /* why it could not be opened, when it should exist */
	struct topo_nft_rule *nft_rules;
	size_t n_nft_rules;
	char **nft_foreign_drop;          /* "table T chain C" with hook forward policy drop */
	size_t n_nft_foreign_drop;
	char **nft_tables_other;          /* every nft table but ours, "FAMILY NAME" */
	size_t n_nft_tables_other;
	struct topo_published *published; /* read only where the file declares a dnat */
	size_t n_published;
	struct topo_du_rule *du_rules;    /* host: the rules in it marked by topo */
	size_t n_du_rules;
	/* nft text (backends/nftx.c), read when the file declares some or our
	 * table holds the record of an earlier load: the hash of the owned
	 * tables' normalised listing, and the record topo wrote after its last
	 * load (topo_nft_mark), NULL = none. */
	uint64_t nftx_listing;
	char *nftx_mark;
	unsigned nftx_ours;               /* bit i: table topo_nft_families[i] topo-<t>, marked (i > 0) */
	unsigned nftx_foreign;            /* bit i: that table, without the mark */
	/* The same listing per family, the table's own lines (its header,
	 * comment and closing brace) left out: what export writes as nft:
	 * and what a declared text equal to it is compared with. Its
	 * TOPO_NFT_FAMILY_SLOTS slots are allocated where nft text is read;
	 * NULL = not read (topo_ns_nftx_body reads a slot). */
	char **nftx_body;
};

struct topo_endpoint {
	size_t ns;                        /* index in topology.ns */
	size_t iface;                     /* index in that namespace's ifaces */
};

struct topo_link {
	struct topo_endpoint end[2];
	uint32_t mtu;                     /* 0 = not declared */
	uint8_t addr_gen_mode;            /* enum topo_agm, for both ends */
	uint32_t vni;                     /* ends on two nodes: the tunnel's; 0 = derived (model/nodes.c) */
	uint16_t port;                    /* ends on two nodes: UDP port; 0 = 4789 */
	struct topo_pos pos;
};

enum topo_check_kind {
	TOPO_CHECK_PING,
	TOPO_CHECK_TCP,
	TOPO_CHECK_UDP,
};

/* A namespace and a port: where a connection is served, or must arrive. */
struct topo_check_end {
	bool set;
	size_t ns;                        /* index in topology.ns */
	uint16_t port;
	struct topo_ip addr;              /* the address it arrives at there; family 0 = unknown */
};

/*
 * One assertion of `checks:`. For tcp and udp the loader resolves where the
 * connection is received: served_by (declared, or followed through the
 * file's own dnat, or the namespace owning the address), arrives (declared,
 * or the same), and where it would land if that dnat did not act
 * (unrewritten), so a missing rewrite is told apart from a missing route.
 */
struct topo_check {
	size_t from;                      /* index in topology.ns */
	enum topo_check_kind kind;
	struct topo_ip addr;
	uint16_t port;                    /* tcp, udp */
	bool expect_fail;
	/* ping */
	bool has_size;
	uint32_t size;                    /* ICMP payload bytes, as ping -s */
	bool df;                          /* don't fragment */
	/* tcp, udp */
	struct topo_ip source;            /* family 0 = not asserted */
	struct topo_check_end served_by;  /* where topo's listener goes; set = false: unknown */
	struct topo_check_end arrives;    /* where it must be received */
	struct topo_check_end unrewritten;
	bool served_declared, arrives_declared;
	bool isolated;                    /* one of the pings an `isolated:` entry expands to */
	struct topo_pos pos;
};

/* One host of a file that spans several (`nodes:`, model/nodes.h). */
struct topo_node {
	char name[TOPO_NS_NAME_MAX + 1];
	struct topo_ip underlay;          /* the host's own address, with its subnet's prefix */
	char dev[TOPO_IFNAME_MAX + 1];    /* underlay device, "" = the kernel's choice */
	uint32_t mtu;                     /* the underlay's; 0 = 1500 */
	struct topo_pos pos;
};

struct topology {
	char name[TOPO_NAME_MAX + 1];
	char *file;                       /* the path it was loaded from, for messages */
	/* prefix: prepended to the name of every namespace topo creates; the
	 * loaded model holds the real names (ns[i].name), the file's own name of
	 * a created namespace is ns[i].name + strlen(prefix). "" = none. */
	char prefix[TOPO_NS_NAME_MAX + 1];

	struct topo_ns *ns;
	size_t n_ns;
	struct topo_link *links;
	size_t n_links;
	struct topo_check *checks;
	size_t n_checks;
	/* coexist: {docker_user: true}: accept rules for the host's declared
	 * bridges in Docker's DOCKER-USER chain (table ip filter). */
	bool coexist_docker_user;
	struct topo_pos coexist_pos;
	struct topo_node *nodes;          /* empty: a single-host file */
	size_t n_nodes;
};

void topology_free(struct topology *t);
/* Frees what a namespace holds and zeroes it. */
void topo_ns_clear(struct topo_ns *ns);
/* Its docker_netns, "" before it is resolved; set_docker_netns: 0 or
 * -ENOMEM (then it is unchanged). nftx_body: family slot i's listing, NULL
 * when there is none; nftx_slots: the slots, made (all NULL) if there are
 * none, NULL when out of memory. */
const char *topo_ns_docker_netns(const struct topo_ns *ns);
int topo_ns_set_docker_netns(struct topo_ns *ns, const char *id);
const char *topo_ns_nftx_body(const struct topo_ns *ns, size_t i);
char **topo_ns_nftx_slots(struct topo_ns *ns);

/* Lookups return an index, or -1. Linear; callers that look up many names
 * build a strmap instead. */
long topology_ns_find(const struct topology *t, const char *name);
long topo_ns_iface_find(const struct topo_ns *ns, const char *name);

/* Appending grows the array; return a pointer to the zeroed new element, or
 * NULL when out of memory. */
struct topo_ns *topology_ns_add(struct topology *t);
struct topo_iface *topo_ns_iface_add(struct topo_ns *ns);
struct topo_addr *topo_iface_addr_add(struct topo_iface *ifc);
struct topo_route *topo_ns_route_add(struct topo_ns *ns);
struct topo_sysctl *topo_ns_sysctl_add(struct topo_ns *ns);
struct topo_nft_rule *topo_ns_nft_rule_add(struct topo_ns *ns);
struct topo_fdb *topo_ns_fdb_add(struct topo_ns *ns);

void topo_iface_init(struct topo_iface *ifc);
/* An interface owns its options (opt), link_ns, shape, peer_end and
 * addresses. set_type: the type, with room for its options when it has any
 * (zeroed, or kept when there already is room); 0 or -ENOMEM (then the type
 * is unchanged). copy_link: *dst = *src with its own copy of the options,
 * link_ns, shape and peer_end and no addresses, 0 or -ENOMEM (then dst has
 * none of them). clear: frees them all. link_ns: "" for its own namespace;
 * set_link_ns: NULL or "" is its own, 0 or -ENOMEM (then it is unchanged).
 * shape: its shape, or an all-zero one when it has none; shape_edit: the
 * same to write, made (zeroed) if there is none, NULL when out of memory;
 * shape_drop: back to none. peer_ns, peer_name: its other end's, "" when
 * unknown; set_peer: ns NULL makes it unknown, 0 or -ENOMEM (unchanged). */
int topo_iface_set_type(struct topo_iface *ifc, const struct topo_linktype *type);
int topo_iface_copy_link(struct topo_iface *dst, const struct topo_iface *src);
void topo_iface_clear(struct topo_iface *ifc);
const char *topo_iface_link_ns(const struct topo_iface *ifc);
int topo_iface_set_link_ns(struct topo_iface *ifc, const char *ns);
const struct topo_shape *topo_iface_shape(const struct topo_iface *ifc);
struct topo_shape *topo_iface_shape_edit(struct topo_iface *ifc);
void topo_iface_shape_drop(struct topo_iface *ifc);
const char *topo_iface_peer_ns(const struct topo_iface *ifc);
const char *topo_iface_peer_name(const struct topo_iface *ifc);
int topo_iface_set_peer(struct topo_iface *ifc, const char *ns, const char *name);
/* A route's paths (nh) are its own. copy: *dst = *src with a copy of them,
 * 0 or -ENOMEM (then dst has none). clear: frees them. nh_add: one more
 * path, zeroed and counted, or NULL when out of memory. */
int topo_route_copy(struct topo_route *dst, const struct topo_route *src);
void topo_route_clear(struct topo_route *rt);
struct topo_route_nh *topo_route_nh_add(struct topo_route *rt);
const char *topo_iftype_name(const struct topo_linktype *type);
/* The file's (and iproute2's) word for a TOPO_AGM_* mode; "" for UNSET. */
const char *topo_agm_name(uint8_t mode);
/* The TOPO_AGM_* a word names; TOPO_AGM_UNSET when none. */
uint8_t topo_agm_parse(const char *word);
/* "eui64, none, stable_secret, random", for messages. */
const char *topo_agm_accepted(void);
const char *topo_rtype_name(enum topo_rtype type);

#endif
