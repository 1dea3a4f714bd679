# Crash safety: SIGKILL at any point of an apply (after every netlink request
# it sends, and between plan steps), then `topo apply` converges and
# `topo destroy` leaves the kernel exactly as it was: no orphan namespaces,
# veths or nft tables.
. "$(dirname "$0")/lib.sh"
F=$TOPOLOGIES/seed001-bridge.yaml
snapshot "$WORK/before"

# How many netlink requests does a full apply send? Kill after each of them.
ok "a full apply" "$TOPO" apply "$F"
ok "destroy" "$TOPO" destroy "$F"
n_steps=$("$TOPO" diff --json "$F" | jq '.steps | length') || true
kills=0
for m in $(seq 1 3 40); do
	got=0
	TOPO_KILL_AFTER_MSG=$m "$TOPO" apply "$F" >"$WORK/out" 2>&1 || got=$?
	if [ "$got" -eq 0 ]; then          # the apply sent fewer requests: done
		ok "destroy" "$TOPO" destroy "$F"
		break
	fi
	eq "killed after request $m" "$got" 137
	kills=$((kills + 1))
	ok "apply after the crash at request $m" "$TOPO" apply "$F"
	rc 0 "converged after the crash at request $m" "$TOPO" diff "$F"
	ok "destroy after the crash at request $m" "$TOPO" destroy "$F"
	snapshot "$WORK/after"
	same_snapshot "nothing left after the crash at request $m" "$WORK/before" "$WORK/after"
done
[ "$kills" -ge 5 ] || fail "only $kills kill points"

# Between steps, spread over the plan, and destroy straight after the crash.
for k in 1 3 5 8 11 $n_steps; do
	got=0
	TOPO_KILL_AT_STEP=$k "$TOPO" apply "$F" >"$WORK/out" 2>&1 || got=$?
	eq "killed before step $k" "$got" 137
	ok "destroy after the crash before step $k" "$TOPO" destroy "$F"
	snapshot "$WORK/after"
	same_snapshot "destroy alone cleans up after step $k" "$WORK/before" "$WORK/after"
done
echo "killed at $kills request points and 6 step points"
done_ok
