# Descriptor limits, and unreadable namespaces. A namespace that cannot be
# opened for any reason but "does not exist" (EMFILE, EACCES...) must stop
# diff, apply and destroy with a clear error before anything changes: never
# be taken for absent (apply would recreate or rewire, destroy would report
# success and leave everything).
#  - a lab bigger than the soft limit of 1024 works (topo raises it to the hard one);
#  - a limit that holds the sockets but not a descriptor per namespace works;
#  - a hard limit too low for the sockets is a clear refusal, nothing changed;
#  - EMFILE and EACCES injected at every openat, socket and setns of diff,
#    apply and destroy of a converged lab: the kernel is left as it was, and
#    destroy never reports success while something remains.
#   TOPO_FDLIMIT_BIG=1: the 4096-namespace lab (4095 + host) under soft limit 1024.
#   TOPO_FDLIMIT_FULL=1: also EACCES at openat and setns.
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || fail "strace is needed (make deps)"
GEN=$ROOT/tests/bench/gen.sh
host_links() { ip -j link show | jq -c '[.[] | {ifname, ifalias}] | sort_by(.ifname)'; }
n_netns() { ls -A /run/netns | wc -l; }
snapshot "$WORK/empty"
hard=$(ulimit -Hn)

big=1100
[ "${TOPO_FDLIMIT_BIG:-0}" = 1 ] && big=4095
[ "$hard" = unlimited ] || [ "$hard" -ge $((big + 200)) ] || fail "hard limit $hard is too low for this test"
"$GEN" "$big" >"$WORK/big.yaml"
( ulimit -Sn 1024; "$TOPO" apply -q "$WORK/big.yaml" ) >"$WORK/out" 2>&1 || { cat "$WORK/out"; fail "apply of $big namespaces under soft limit 1024"; }
eq "$big namespaces" "$(n_netns)" "$big"
( ulimit -Sn 1024; "$TOPO" diff -q "$WORK/big.yaml" ) >"$WORK/out" 2>&1 || { cat "$WORK/out"; fail "diff after the big apply"; }
# The first answer through a new bridge port can take a second or two on a busy machine.
ping_soon() {
	n_checks=$((n_checks + 1))
	for _ in $(seq 30); do nsx "$1" ping -c 1 -W 1 "$2" >"$WORK/ping" 2>&1 && return 0; done
	cat "$WORK/ping" >&2; fail "ping from $1 to $2 failed"
}
ping_soon n0 10.0.0.1
ping_soon "n$((big - 1))" "10.$(((big - 1) / 500)).0.1"
( ulimit -Sn 1024; "$TOPO" destroy -q "$WORK/big.yaml" ) >"$WORK/out" 2>&1 || { cat "$WORK/out"; fail "destroy of the big lab"; }
snapshot "$WORK/after"
same_snapshot "the big lab is gone" "$WORK/empty" "$WORK/after"

# A hard limit too low: refused before anything, saying why.
rc 1 "hard limit 1024 refuses $big namespaces" bash -c "ulimit -n 1024; exec '$TOPO' apply '$WORK/big.yaml'"
contains "says why" "$WORK/out" "open files (a netlink socket each) and the limit is 1024"
eq "nothing created" "$(n_netns)" 0

# 200 namespaces: their rtnetlink sockets fit 300 descriptors, a descriptor
# per namespace (and an nfnetlink socket each, for destroy's scan) does not:
# those are opened for each use and closed after. Their state, compared cheaply: every namespace's
# links, addresses and routes in one pass each.
light_snapshot() {
	{
		ip netns list | sort
		ip -j -d link show | jq -S -c 'map({ifname, ifalias, mtu, address, master}) | sort_by(.ifname)'
		ip -all netns exec ip -br link show | sed 's/@if[0-9]*//'
		ip -all netns exec ip -br addr show
		ip -all netns exec ip route show
		ip route show
		ip -all netns exec nft -s list ruleset
		nft -s list ruleset
		cat /proc/sys/net/ipv4/ip_forward
	} >"$1" 2>&1
}
"$GEN" 200 >"$WORK/l.yaml"
rc 0 "apply under 300 descriptors" bash -c "ulimit -n 300; exec '$TOPO' apply -q '$WORK/l.yaml'"
rc 0 "converged under 300" bash -c "ulimit -n 300; exec '$TOPO' diff -q '$WORK/l.yaml'"
ping_soon n199 10.0.0.1
# The kernel's IPv6 routes of 200 new host ends (DAD, multicast) come over a
# second or two, and a dump that meets them changing is cut short: settle.
settle() {
	local last=-1 now
	for _ in $(seq 40); do
		now=$(ip -j -6 route show table all | jq length)
		[ "$now" = "$last" ] && return 0
		last=$now; sleep 0.5
	done
}
settle
ok "peers known under 300 (show)" bash -c "ulimit -n 300; exec '$TOPO' show --json '$WORK/l.yaml'"
eq "veth peers resolved" "$(jq -r '[.. | objects | select(.peer? != null) | .peer] | length' "$WORK/out")" 400
light_snapshot "$WORK/l.applied"

# Too low for the sockets of a converged lab: diff, apply, destroy refuse, nothing changes.
for cmd in diff apply destroy; do
	rc 1 "$cmd under 150 descriptors" bash -c "ulimit -n 150; exec '$TOPO' $cmd '$WORK/l.yaml'"
	contains "$cmd says why" "$WORK/out" "the limit is 150"
	lacks "$cmd does not claim success" "$WORK/out" "destroyed"
	eq "$cmd: every namespace remains" "$(n_netns)" 200
done
light_snapshot "$WORK/after"
same_snapshot "nothing changed under a too low limit" "$WORK/l.applied" "$WORK/after"
rc 0 "destroy under 300" bash -c "ulimit -n 300; exec '$TOPO' destroy -q '$WORK/l.yaml'"
snapshot "$WORK/after"
same_snapshot "destroyed under 300" "$WORK/empty" "$WORK/after"

# Failures injected at every call: a converged lab stays exactly as it was.
F=$TOPOLOGIES/seed001-bridge.yaml
ok "apply seed001" "$TOPO" apply -q "$F"
light_snapshot "$WORK/s.applied"
injected=0
SPECS="openat:EMFILE socket:EMFILE"
[ "${TOPO_FDLIMIT_FULL:-0}" = 1 ] && SPECS="openat:EMFILE openat:EACCES socket:EMFILE setns:EACCES"
for spec in $SPECS; do
	sc=${spec%%:*} err=${spec#*:}
	for cmd in diff apply destroy; do
		n=1
		while :; do
			got=0
			# (a failed setns back to topo's own namespace aborts, on purpose)
			# (LeakSanitizer cannot work under ptrace)
			( ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -qq -o "$WORK/strace" -e trace="$sc" \
				-e inject="$sc":error="$err":when="$n" "$TOPO" "$cmd" "$F" >"$WORK/out" 2>&1; exit $? ) \
				2>/dev/null || got=$?
			hit=$(grep -c INJECTED "$WORK/strace" || true)
			injected=$((injected + hit))
			if [ "$cmd" = destroy ] && [ "$got" -eq 0 ]; then
				# Success means everything went.
				eq "destroy with $sc#$n $err: exit 0 leaves nothing" "$(n_netns)" 0
				grep -q "nothing to destroy" "$WORK/out" && fail "$sc#$n $err: destroy found nothing to destroy"
				snapshot "$WORK/after"
				same_snapshot "destroy with $sc#$n $err" "$WORK/empty" "$WORK/after"
				ok "apply again" "$TOPO" apply -q "$F"
				light_snapshot "$WORK/s.applied"   # new MACs
			else
				if [ "$got" -ne 0 ] && [ "$cmd" = destroy ] && grep -q "run destroy again" "$WORK/out"; then
					# A step failed half way, saying so: another destroy finishes the job.
					ok "destroy again after $sc#$n $err" "$TOPO" destroy -q "$F"
					snapshot "$WORK/after"
					same_snapshot "destroy again after $sc#$n $err" "$WORK/empty" "$WORK/after"
					ok "apply again" "$TOPO" apply -q "$F"
					light_snapshot "$WORK/s.applied"
				elif [ "$got" -ne 0 ] && [ "$cmd" = apply ] && ! grep -q "rolled back" "$WORK/out"; then
					lacks "apply with $sc#$n $err: no step ran" "$WORK/out" "step "
				fi
				light_snapshot "$WORK/after"
				same_snapshot "$cmd with $sc#$n $err" "$WORK/s.applied" "$WORK/after"
			fi
			# Fewer calls than n: every one has been made to fail.
			[ "$hit" -eq 0 ] && break
			n=$((n + 1))
			[ "$n" -le 400 ] || fail "$sc: more than 400 calls?"
		done
	done
done
ok "destroy" "$TOPO" destroy -q "$F"
snapshot "$WORK/after"
same_snapshot "all gone" "$WORK/empty" "$WORK/after"
echo "injected failures: $injected runs"
done_ok
