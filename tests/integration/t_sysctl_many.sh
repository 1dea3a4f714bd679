# A `defaults: sysctls:` key in a lab of many namespaces (routers with
# ip_forward, a lab that sets rp_filter everywhere). Every namespace has it
# before its links are made (a new link copies conf.default: eth0 carries the
# value too); the values replaced are recorded in the state file in one save
# before any is written, not one save per namespace (which rewrote the whole
# state file a thousand times in a lab of 1000 namespaces: 7 of apply's 9
# seconds); host's ip_forward comes back at destroy, also after a kill in the
# middle of the sysctl steps.
. "$(dirname "$0")/lib.sh"
N=60
F=$WORK/many.yaml
S=/run/topo/many.json
echo 0 >/proc/sys/net/ipv4/ip_forward
{
	echo "topology: many"
	echo "defaults:"
	echo "  sysctls:"
	echo "    net.ipv4.conf.default.rp_filter: 2"
	echo "namespaces:"
	echo "  host:"
	echo "    sysctls: {net.ipv4.ip_forward: 1}"
	echo "    interfaces:"
	echo "      br0: {type: bridge, addresses: [10.9.0.1/16]}"
	for i in $(seq 0 $((N - 1))); do echo "      h$i: {master: br0}"; done
	for i in $(seq 0 $((N - 1))); do
		echo "  n$i:"
		echo "    interfaces:"
		echo "      eth0: {addresses: [10.9.1.$((i + 2))/16]}"
	done
	echo "links:"
	for i in $(seq 0 $((N - 1))); do echo "  - [host:h$i, n$i:eth0]"; done
} >"$F"
snapshot "$WORK/before"

# The sysctl steps, 1-based, as apply counts them (one step each when watched).
"$TOPO" diff --json "$F" >"$WORK/plan.json" || true
first=$(jq '[.steps[].op] | index("sysctl_set") + 1' "$WORK/plan.json")
n_sys=$(jq '[.steps[] | select(.op == "sysctl_set")] | length' "$WORK/plan.json")
eq "one sysctl step per namespace, and host's" "$n_sys" $((N + 1))

ok "apply, traced" env ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
	strace -f -qq -o "$WORK/strace" -e trace=rename,renameat,renameat2 "$TOPO" apply "$F"
saves=$(grep -c "\"$S\"" "$WORK/strace" || true)
# The intent before the steps, the sysctls' old values, the result.
[ "$saves" -le 4 ] || fail "the state file was saved $saves times for $n_sys sysctl steps (one save for all)"
n_checks=$((n_checks + 1))
eq "host forwards" "$(cat /proc/sys/net/ipv4/ip_forward)" 1
for i in 0 $((N / 2)) $((N - 1)); do
	eq "n$i: the default" "$(ip netns exec "n$i" cat /proc/sys/net/ipv4/conf/default/rp_filter)" 2
	eq "n$i: eth0 was made after it" "$(ip netns exec "n$i" cat /proc/sys/net/ipv4/conf/eth0/rp_filter)" 2
done
eq "every old value is recorded" "$(jq '.sysctls | length' "$S")" $((N + 1))
eq "host's is 0" "$(jq -r '.sysctls[] | select(.ns == "host") | .original' "$S")" 0
rc 0 "converged" "$TOPO" diff "$F"
ok "destroy" "$TOPO" destroy "$F"
eq "host's ip_forward is back" "$(cat /proc/sys/net/ipv4/ip_forward)" 0
snapshot "$WORK/after"
same_snapshot "destroy leaves nothing" "$WORK/before" "$WORK/after"

# Killed among the sysctl steps: destroy alone puts host back.
for k in $((first + 1)) $((first + N / 2)) $((first + N)); do
	got=0
	TOPO_KILL_AT_STEP=$k "$TOPO" apply "$F" >"$WORK/out" 2>&1 || got=$?
	eq "killed before step $k" "$got" 137
	ok "destroy after the kill before step $k" "$TOPO" destroy "$F"
	eq "ip_forward back after the kill before step $k" "$(cat /proc/sys/net/ipv4/ip_forward)" 0
	snapshot "$WORK/after"
	same_snapshot "nothing left after the kill before step $k" "$WORK/before" "$WORK/after"
done
done_ok
