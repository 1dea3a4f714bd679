# Prune: a namespace removed from the file goes, with its veth; nothing else moves.
. "$(dirname "$0")/lib.sh"
F=$TOPOLOGIES/seed001-bridge.yaml
ok "apply" "$TOPO" apply "$F"
idx_a=$(ifindex netns_A eth0); idx_veth=$(ifindex host vethA)

# The file without netns_B: its namespace block, its link, its host port.
grep -v -e 'vethB' -e 'from: netns_B' -e '172.18.0.3' "$F" | awk '/^  netns_B:/{skip=1; next} /^  [a-z]/{skip=0} /^[a-z]/{skip=0} !skip' >"$WORK/pruned.yaml"
ok "pruned file is valid" "$TOPO" validate "$WORK/pruned.yaml"
rc 2 "diff" "$TOPO" diff "$WORK/pruned.yaml"
contains "namespace goes, and its veth with it" "$WORK/out" "- netns del netns_B (with host:vethB)"
contains "one removal" "$WORK/out" "0 to add, 0 to change, 1 to remove"
ok "apply" "$TOPO" apply "$WORK/pruned.yaml"
! ip netns list | grep -q netns_B || fail "netns_B still listed"
! link_exists host vethB || fail "vethB still there (namespace deletion is asynchronous: topo deletes the veth itself)"
eq "netns_A untouched" "$(ifindex netns_A eth0)" "$idx_a"
eq "vethA untouched" "$(ifindex host vethA)" "$idx_veth"
expect_ping netns_A 172.18.0.1
rc 0 "converged" "$TOPO" diff "$WORK/pruned.yaml"
ok "state forgets netns_B" test "$(jq -r '[.namespaces[].name] | join(",")' /run/topo/seed001.json)" = netns_A
ok "destroy" "$TOPO" destroy "$WORK/pruned.yaml"
done_ok
