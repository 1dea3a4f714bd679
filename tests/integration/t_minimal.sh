# Minimal change: one address edited -> only that address changes; an mtu
# edit is in place; nothing is recreated.
. "$(dirname "$0")/lib.sh"
F=$TOPOLOGIES/seed001-bridge.yaml
ok "apply" "$TOPO" apply "$F"
idx_a=$(ifindex netns_A eth0); idx_veth=$(ifindex host vethA); idx_br=$(ifindex host mybr0)

sed 's#172.18.0.2/16#172.18.0.12/16#' "$F" >"$WORK/changed.yaml"
rc 2 "diff" "$TOPO" diff "$WORK/changed.yaml"
contains "one add" "$WORK/out" "+ address add 172.18.0.12/16 dev eth0 netns netns_A"
contains "one del" "$WORK/out" "- address del 172.18.0.2/16 dev eth0 netns netns_A"
contains "nothing else" "$WORK/out" "1 to add, 0 to change, 1 to remove"
ok "apply the change" "$TOPO" apply "$WORK/changed.yaml"
eq "eth0 kept its ifindex" "$(ifindex netns_A eth0)" "$idx_a"
eq "vethA kept its ifindex" "$(ifindex host vethA)" "$idx_veth"
ok "new address" has_addr netns_A eth0 172.18.0.12/16
! has_addr netns_A eth0 172.18.0.2/16 || fail "old address still there"
# promote_secondaries in topo's namespaces: the default route survived.
eq "default route kept" "$(ip netns exec netns_A ip -j route show default | jq -r '.[0].gateway')" 172.18.0.1
expect_ping netns_A 172.18.0.3
rc 0 "converged" "$TOPO" diff "$WORK/changed.yaml"

# mtu in place (on both veth ends through the link's mtu).
sed 's#\[host:vethA, netns_A:eth0\]#{endpoints: [host:vethA, netns_A:eth0], mtu: 1400}#' "$WORK/changed.yaml" >"$WORK/mtu.yaml"
rc 2 "diff mtu" "$TOPO" diff "$WORK/mtu.yaml"
contains "mtu host end" "$WORK/out" "~ link set vethA mtu 1400"
contains "mtu ns end" "$WORK/out" "~ link set eth0 mtu 1400 netns netns_A"
contains "counts" "$WORK/out" "0 to add, 2 to change, 0 to remove"
ok "apply mtu" "$TOPO" apply "$WORK/mtu.yaml"
eq "mtu" "$(ip netns exec netns_A ip -j link show eth0 | jq -r '.[0].mtu')" 1400
eq "same ifindex" "$(ifindex netns_A eth0)" "$idx_a"
eq "bridge kept" "$(ifindex host mybr0)" "$idx_br"
ok "destroy" "$TOPO" destroy "$WORK/mtu.yaml"
done_ok
