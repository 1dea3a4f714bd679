# Drift: what someone changes by hand, diff names and apply repairs.
. "$(dirname "$0")/lib.sh"
F=$TOPOLOGIES/seed001-bridge.yaml
ok "apply" "$TOPO" apply "$F"

# An address deleted by hand (it was the only one: the kernel flushes the
# default route with it; both must be named and repaired).
ip netns exec netns_B ip addr del 172.18.0.3/16 dev eth0
rc 2 "diff sees the missing address" "$TOPO" diff "$F"
contains "names the address" "$WORK/out" "+ address add 172.18.0.3/16 dev eth0 netns netns_B"
contains "names the flushed route" "$WORK/out" "+ route add default via 172.18.0.1 netns netns_B"
ok "apply repairs" "$TOPO" apply "$F"
ok "address back" has_addr netns_B eth0 172.18.0.3/16
expect_ping netns_B 172.18.0.2
rc 0 "converged again" "$TOPO" diff "$F"

# A route deleted by hand.
ip netns exec netns_A ip route del default
rc 2 "diff sees the missing route" "$TOPO" diff "$F"
contains "names the route" "$WORK/out" "+ route add default via 172.18.0.1 netns netns_A"
ok "apply repairs" "$TOPO" apply "$F"
eq "route back" "$(ip netns exec netns_A ip -j route show default | jq -r '.[0].gateway')" 172.18.0.1

# An extra address and route added by hand in a namespace topo owns: removed.
ip netns exec netns_A ip addr add 10.99.0.1/24 dev eth0
ip netns exec netns_A ip route add 10.98.0.0/24 via 172.18.0.1
rc 2 "diff sees extras" "$TOPO" diff "$F"
contains "extra address" "$WORK/out" "- address del 10.99.0.1/24 dev eth0 netns netns_A"
contains "extra route" "$WORK/out" "- route del 10.98.0.0/24 via 172.18.0.1 dev eth0 netns netns_A"
ok "apply prunes" "$TOPO" apply "$F"
! has_addr netns_A eth0 10.99.0.1/24 || fail "extra address still there"

# Link attributes: down, nomaster, mtu.
ip link set vethA nomaster
ip netns exec netns_A ip link set eth0 down
rc 2 "diff sees link drift" "$TOPO" diff "$F"
contains "master" "$WORK/out" "~ link set vethA master mybr0"
contains "up" "$WORK/out" "~ link set eth0 up netns netns_A"
ok "apply repairs links" "$TOPO" apply "$F"
expect_ping netns_A 172.18.0.3

# A topo-made link deleted by hand: recreated.
ip link del vethB
rc 2 "diff sees the missing veth" "$TOPO" diff "$F"
contains "veth" "$WORK/out" "+ link add vethB type veth master mybr0 peer eth0 netns netns_B"
ok "apply recreates" "$TOPO" apply "$F"
expect_ping netns_B 172.18.0.2

# ip_forward switched off by hand.
echo 0 >/proc/sys/net/ipv4/ip_forward
rc 2 "diff sees the sysctl" "$TOPO" diff "$F"
contains "sysctl" "$WORK/out" "~ sysctl net.ipv4.ip_forward=1 (was 0)"
ok "apply" "$TOPO" apply "$F"
eq "ip_forward" "$(sysctl_get host net.ipv4.ip_forward)" 1
rc 0 "converged" "$TOPO" diff "$F"
ok "destroy" "$TOPO" destroy "$F"
done_ok
