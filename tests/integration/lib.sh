# Sourced by every integration test. Runs inside tests/sandbox (a private
# network + mount namespace): nothing here can touch the machine's network.
# Checks go through iproute2's JSON output (ip -j), nft -j and real traffic.
set -euo pipefail
: "${TOPO:?TOPO must point at the topo binary}"
: "${ROOT:?ROOT must point at the source tree}"
TOPOLOGIES="$ROOT/topologies"
# Checks right after a big apply, on a loaded machine, get some slack.
export TOPO_CHECK_TIMEOUT_MS=${TOPO_CHECK_TIMEOUT_MS:-3000}
WORK=$(mktemp -d /tmp/topo-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
n_checks=0

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# ok DESCRIPTION CMD...: CMD must succeed.
ok() {
	local what=$1; shift
	n_checks=$((n_checks + 1))
	if ! "$@" >"$WORK/out" 2>&1; then
		cat "$WORK/out" >&2
		fail "$what: '$*' failed"
	fi
}

# rc N DESCRIPTION CMD...: CMD must exit with status N; its output is in $WORK/out.
rc() {
	local want=$1 what=$2; shift 2
	local got=0
	n_checks=$((n_checks + 1))
	"$@" >"$WORK/out" 2>&1 || got=$?
	if [ "$got" -ne "$want" ]; then
		cat "$WORK/out" >&2
		fail "$what: '$*' exited $got, expected $want"
	fi
}

# eq DESCRIPTION GOT WANT
eq() {
	n_checks=$((n_checks + 1))
	[ "$2" == "$3" ] || fail "$1: got '$2', expected '$3'"
}

# contains DESCRIPTION FILE TEXT
contains() {
	n_checks=$((n_checks + 1))
	grep -qF -- "$3" "$2" || { cat "$2" >&2; fail "$1: output lacks '$3'"; }
}

lacks() {
	n_checks=$((n_checks + 1))
	if grep -qF -- "$3" "$2"; then cat "$2" >&2; fail "$1: output has '$3'"; fi
}

# nsx NS CMD...: CMD in namespace NS ("host" = the sandbox itself).
nsx() {
	local ns=$1; shift
	if [ "$ns" = host ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

ifindex() { nsx "$1" ip -j link show dev "$2" | jq -r '.[0].ifindex'; }
link_exists() { nsx "$1" ip link show dev "$2" >/dev/null 2>&1; }
has_addr() { nsx "$1" ip -j addr show dev "$2" | jq -e --arg a "${3%/*}" --argjson p "${3#*/}" \
	'[.[0].addr_info[] | select(.local == $a and .prefixlen == $p)] | length == 1' >/dev/null; }
has_route() { [ -n "$(nsx "$1" ip -j route show "$2" | jq -r '.[0].dst // empty')" ]; }
sysctl_get() { nsx "$1" cat "/proc/sys/$(echo "$2" | tr . /)"; }

# One reply within 3 s: a first echo may be lost while ARP/ND resolves on a
# loaded machine; an unreachable target still fails.
ping_ok() { nsx "$1" ping -c 1 -i 0.5 -w 3 "$2" >/dev/null 2>&1; }
expect_ping() { n_checks=$((n_checks + 1)); ping_ok "$1" "$2" || fail "ping from $1 to $2 failed"; }
expect_no_ping() { n_checks=$((n_checks + 1)); ! ping_ok "$1" "$2" || fail "ping from $1 to $2 succeeded"; }

# A snapshot of everything a topology can touch, ifindexes and counters left out.
snapshot() {
	local out=$1 ns k
	{
		echo "== netns"; ip netns list | awk '{print $1}' | sort
		for ns in host $(ip netns list | awk '{print $1}' | sort); do
			echo "== $ns link"
			nsx "$ns" ip -j -d link show | jq -S 'map(del(.ifindex, .link_index, .link_netnsid,
				.operstate, .stats, .stats64, .link, .linkinfo.info_slave_data, .linkinfo.info_data,
				.num_tx_queues, .num_rx_queues, .gso_max_size, .gso_max_segs, .tso_max_size,
				.tso_max_segs, .gro_max_size, .gso_ipv4_max_size, .gro_ipv4_max_size, .inet6_addr_gen_mode,
				.promiscuity, .allmulti, .flags, .qdisc)) | sort_by(.ifname)'
			echo "== $ns addr"
			nsx "$ns" ip -j addr show | jq -S '[.[] | {ifname, addr: [.addr_info[] | select(.scope != "link") | {local, prefixlen}] | sort_by(.local)}] | sort_by(.ifname)'
			echo "== $ns route"
			# Link-local addresses and their local routes are the kernel's and come
			# and go with DAD timing: left out. Routes that differ only by device
			# (ff00::/8 on each link) are listed in the order the links came up:
			# sorted by device too.
			nsx "$ns" ip -j route show table all | jq -S 'map(select(.dst | startswith("fe80") | not) | del(.flags))
				| sort_by(.table // "", .dst, .metric // 0, .dev // "")'
			# Policy rules (with their protocol), nexthop objects, both families; static neighbours below.
			echo "== $ns rule"
			nsx "$ns" ip -d -j rule show | jq -S .
			nsx "$ns" ip -d -j -6 rule show 2>/dev/null | jq -S . || true
			echo "== $ns nexthop"
			nsx "$ns" ip -j nexthop show 2>/dev/null | jq -S 'sort_by(.id)' || true
			echo "== $ns neigh"
			nsx "$ns" ip -j neigh show nud permanent | jq -S 'sort_by(.dev, .dst)'
			echo "== $ns nft"
			# Counters count traffic, not configuration.
			nsx "$ns" nft -j list ruleset | jq -S '[.nftables[] | select(has("metainfo") | not) | del(.[].handle)]
				| del(.. | .packets?, .bytes?)'
			echo "== $ns sysctl"
			for k in net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.bridge.bridge-nf-call-iptables; do
				echo "$k=$(sysctl_get "$ns" "$k" 2>/dev/null || echo -)"
			done
		done
	} >"$out"
}

# The kernel finishes some work after topo returns: IPv6 multicast and local
# routes appear when a link's carrier comes up (linkwatch, up to a second)
# and when addrconf's work queue handles a new address. A snapshot is taken
# once the kernel is quiet: the same twice in a row (settled), or the
# reference one (settled_like REF), within 3 s.
settled() {
	local out=$1 i
	snapshot "$out"
	for i in $(seq 15); do
		sleep 0.2
		snapshot "$out.again"
		cmp -s "$out" "$out.again" && return 0
		mv "$out.again" "$out"
	done
}
settled_like() {
	local ref=$1 out=$2 i
	for i in $(seq 15); do
		snapshot "$out"
		cmp -s "$ref" "$out" && return 0
		sleep 0.2
	done
}
same_snapshot() {
	n_checks=$((n_checks + 1))
	if ! diff -u "$2" "$3" >"$WORK/snapdiff"; then
		head -n 80 "$WORK/snapdiff" >&2
		fail "$1: the kernel state differs"
	fi
}

# A TCP listener in namespace NS on PORT, in the background, accepting any
# number of connections; each one is logged ("Connection received on ADDR")
# in $WORK/listen-NS-PORT.log. TEXT goes to the first client only.
tcp_listen() {
	local ns=$1 port=$2 text=${3:-}
	nsx "$ns" bash -c "exec nc -v -lk -n $port < <(echo '$text'; sleep 600)" >>"$WORK/listen-$ns-$port.log" 2>&1 &
	for _ in $(seq 50); do
		nsx "$ns" ss -Hltn "sport = :$port" | grep -q . && return 0
		sleep 0.05
	done
	fail "listener on $ns:$port did not start"
}

# connections_from NS PORT ADDR: how many connections the listener logged from ADDR.
connections_from() { grep -c "Connection received on $3 " "$WORK/listen-$1-$2.log" || true; }

done_ok() { echo "ok: $n_checks checks"; }
