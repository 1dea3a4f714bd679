# Sourced by t_nodes*.sh after lib.sh: three simulated hosts a, b, c on
# this machine (inside the test's sandbox). Each is a network namespace with
# a mount namespace of its own (a private /run: its own /run/netns and
# /run/topo), its eth0 (10.10.0.1-3/24, fd00:10::1-3/64) a port of the underlay bridge "ul"
# in the sandbox. hx HOST CMD runs CMD there.
declare -A PID
HOSTS="a b c"

# hx HOST CMD...: CMD on simulated host HOST (its network and mount namespace).
hx() { local h=$1; shift; nsenter -t "${PID[$h]}" -m -n -- "$@"; }

i=0
ip link add ul type bridge
ip link set ul up
for h in $HOSTS; do
	i=$((i + 1))
	ip netns add "h$h"
	ip link add "ul$h" type veth peer name eth0 netns "h$h"
	ip link set "ul$h" master ul up
	ip netns exec "h$h" ip link set lo up
	ip netns exec "h$h" ip link set eth0 up
	ip netns exec "h$h" ip addr add "10.10.0.$i/24" dev eth0
	ip netns exec "h$h" ip addr add "fd00:10::$i/64" dev eth0 nodad
	# ip netns exec and unshare both exec: $! ends up being the sleep, in
	# h$h's network namespace and a mount namespace of its own.
	ip netns exec "h$h" unshare -m --propagation private bash -c \
		'mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -p /run/netns /run/topo /run/lock && exec sleep 3600' &
	PID[$h]=$!
done
# Everything started on a host runs in its namespaces: stop those too.
stop_hosts() {
	local h
	for h in $HOSTS; do
		kill "${PID[$h]}" 2>/dev/null || true
	done
	if [ -n "${EXTRA_PIDS:-}" ]; then kill $EXTRA_PIDS 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap stop_hosts EXIT
for h in $HOSTS; do
	for _ in $(seq 50); do
		[ "$(readlink /proc/"${PID[$h]}"/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] &&
			hx "$h" test -d /run/topo && break
		sleep 0.1
	done
	hx "$h" test -d /run/topo || fail "host $h did not start"
done

snap() { hx "$1" bash -c "$(declare -f snapshot nsx sysctl_get); snapshot $2"; }
# snap_like HOST REF OUT: the snapshot once it matches REF, or the last after 3 s
# (the kernel finishes some work after topo returns; lib.sh's settled_like).
snap_like() {
	for _ in $(seq 15); do
		snap "$1" "$3"
		cmp -s "$2" "$3" && return 0
		sleep 0.2
	done
}
for h in $HOSTS; do snap "$h" "$WORK/before-$h"; done

