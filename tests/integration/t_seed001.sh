# Seed 001's lab: diff changes nothing; apply; real pings; ip_forward; the
# diff converges; a second apply keeps every ifindex; destroy.
. "$(dirname "$0")/lib.sh"
F=$TOPOLOGIES/seed001-bridge.yaml

snapshot "$WORK/before"
rc 2 "diff before apply" "$TOPO" diff "$F"
contains "diff summary" "$WORK/out" "11 to add, 1 to change, 0 to remove"
contains "diff speaks iproute2" "$WORK/out" "+ link add vethA type veth master mybr0 peer eth0 netns netns_A"
snapshot "$WORK/after-diff"
same_snapshot "diff changes nothing" "$WORK/before" "$WORK/after-diff"

ok "apply" "$TOPO" apply "$F"
expect_ping netns_A 172.18.0.1
expect_ping netns_A 172.18.0.3
expect_ping netns_B 172.18.0.2
expect_ping host 172.18.0.2
eq "ip_forward" "$(sysctl_get host net.ipv4.ip_forward)" 1
eq "netns_A default route" "$(ip netns exec netns_A ip -j route show default | jq -r '.[0].gateway')" 172.18.0.1
eq "vethA's master" "$(ip -j link show vethA | jq -r '.[0].master')" mybr0
eq "vethA carries the mark" "$(ip -j -d link show vethA | jq -r '.[0].ifalias')" "topo:seed001"

rc 0 "diff after apply" "$TOPO" diff "$F"
contains "converged" "$WORK/out" "no changes"

before=$(for l in mybr0 vethA vethB; do ifindex host $l; done; ifindex netns_A eth0; ifindex netns_B eth0)
ok "second apply" "$TOPO" apply "$F"
contains "second apply changes nothing" "$WORK/out" "no changes"
after=$(for l in mybr0 vethA vethB; do ifindex host $l; done; ifindex netns_A eth0; ifindex netns_B eth0)
eq "ifindexes kept" "$after" "$before"

rc 0 "diff --json" "$TOPO" diff --json "$F"
eq "json counts" "$(jq -c "[.add,.change,.remove]" "$WORK/out")" "[0,0,0]"

ok "destroy" "$TOPO" destroy "$F"
snapshot "$WORK/after-destroy"
same_snapshot "destroy leaves the kernel as it was" "$WORK/before" "$WORK/after-destroy"
rc 0 "second destroy" "$TOPO" destroy "$F"
done_ok
