# Locking: two runs never interleave. The same topology applied twice at once
# converges once (the second waits, says so, then finds nothing to do, or
# with --no-wait gives up at once); two different topologies applied at once
# both converge.
. "$(dirname "$0")/lib.sh"
F=$TOPOLOGIES/seed001-bridge.yaml

TOPO_STEP_DELAY_MS=100 "$TOPO" apply "$F" >"$WORK/first.log" 2>&1 &
first=$!
sleep 0.4   # the first run holds the locks now, a step at a time
rc 1 "--no-wait gives up at once" "$TOPO" apply --no-wait "$F"
contains "says why" "$WORK/out" "locked by another topo run"
ok "a waiting second apply" "$TOPO" apply "$F"
contains "it waited" "$WORK/out" "waiting for"
contains "and found the work done" "$WORK/out" "no changes"
wait "$first" || fail "the first apply failed: $(cat "$WORK/first.log")"
contains "the first applied everything" "$WORK/first.log" "applied: 11 added"
rc 0 "converged" "$TOPO" diff "$F"

# Two different topologies at once (seed003 wants ip_forward 0 where seed001
# holds 1: a conflict, tested in t_shared_sysctl; seed001 goes first).
ok "destroy seed001" "$TOPO" destroy "$F"
"$TOPO" apply "$TOPOLOGIES/seed003-pod.yaml" >"$WORK/a.log" 2>&1 &
a=$!
"$TOPO" apply "$TOPOLOGIES/seed004-trace.yaml" >"$WORK/b.log" 2>&1 &
b=$!
wait "$a" || fail "seed003 failed: $(cat "$WORK/a.log")"
wait "$b" || fail "seed004 failed: $(cat "$WORK/b.log")"
rc 0 "seed003 converged" "$TOPO" diff "$TOPOLOGIES/seed003-pod.yaml"
rc 0 "seed004 converged" "$TOPO" diff "$TOPOLOGIES/seed004-trace.yaml"
for f in "$TOPOLOGIES/seed003-pod.yaml" "$TOPOLOGIES/seed004-trace.yaml"; do
	ok "destroy $f" "$TOPO" destroy "$f"
done
done_ok
