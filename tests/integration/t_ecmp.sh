# ECMP routes with inline nexthops, IPv4 and IPv6: applied as one multipath
# route (checked with ip -j), converged whatever order the file lists the
# paths in, traffic over both paths, drift by hand (a weight, a path taken
# away, a path added) repaired, a foreign multipath route left alone and one
# holding a declared key refused, rollback at every step and destroy leave
# the kernel as it was.
. "$(dirname "$0")/lib.sh"
F=$WORK/ecmp.yaml
cat >"$F" <<'YAML'
topology: ecmp
namespaces:
  host:
    interfaces:
      hv: {addresses: [10.3.0.1/24]}
    routes:
      - to: 10.9.0.0/24
        nexthops: [{via: 10.3.0.2, dev: hv, weight: 3}, {via: 10.3.0.3, dev: hv}]
  a:
    sysctls:
      net.ipv4.ip_forward: 1
    interfaces:
      h: {addresses: [10.3.0.2/24]}
      p1: {addresses: [10.1.0.1/24, "fd01::1/64"]}
      p2: {addresses: [10.2.0.1/24, "fd02::1/64"]}
      lo: {addresses: [10.8.0.1/32, 10.8.0.2/32, 10.8.0.3/32, 10.8.0.4/32, 10.8.0.5/32, 10.8.0.6/32, 10.8.0.7/32, 10.8.0.8/32, 10.8.0.9/32, 10.8.0.10/32, 10.8.0.11/32, 10.8.0.12/32, 10.8.0.13/32, 10.8.0.14/32, 10.8.0.15/32, 10.8.0.16/32, 10.8.0.17/32, 10.8.0.18/32, 10.8.0.19/32, 10.8.0.20/32, 10.8.0.21/32, 10.8.0.22/32, 10.8.0.23/32, 10.8.0.24/32, 10.8.0.25/32, 10.8.0.26/32, 10.8.0.27/32, 10.8.0.28/32, 10.8.0.29/32, 10.8.0.30/32, 10.8.0.31/32, 10.8.0.32/32]}
    routes:
      - to: 10.9.0.1/32
        nexthops:
          - {via: 10.2.0.2, dev: p2, weight: 2}
          - {via: 10.1.0.2, dev: p1}
      - to: "fd09::1/128"
        nexthops: [{via: "fd02::2", dev: p2}, {via: "fd01::2"}]
  b:
    interfaces:
      p1: {addresses: [10.1.0.2/24, "fd01::2/64"]}
      p2: {addresses: [10.2.0.2/24, "fd02::2/64"]}
      lo: {addresses: [10.9.0.1/32, "fd09::1/128"]}
    routes:
      - {to: 10.8.0.0/24, via: 10.1.0.1}
      - {to: default, via: "fd01::1"}
links:
  - [host:hv, a:h]
  - [a:p1, b:p1]
  - [a:p2, b:p2]
YAML

# Something foreign in host before topo ever runs: a multipath route of its own.
ip link add fv0 type veth peer fv1
ip link set fv0 up
ip route add 10.46.0.0/24 proto static nexthop via 10.47.0.2 dev fv0 onlink nexthop via 10.47.0.3 dev fv0 onlink
settled "$WORK/pristine"

ok "apply" "$TOPO" apply "$F"
rc 0 "converged" "$TOPO" diff "$F"
nh() { nsx "$1" ip -j "${3:--4}" route show "$2" | jq -c '[.[0].nexthops[] | {gateway, dev, weight}] | sort_by(.gateway)'; }
eq "v4 multipath in the kernel" "$(nh a 10.9.0.1)" \
	'[{"gateway":"10.1.0.2","dev":"p1","weight":1},{"gateway":"10.2.0.2","dev":"p2","weight":2}]'
eq "v6 multipath in the kernel (one route, two paths)" "$(nh a fd09::1/128 -6)" \
	'[{"gateway":"fd01::2","dev":"p1","weight":1},{"gateway":"fd02::2","dev":"p2","weight":1}]'
eq "v6: one entry" "$(ip netns exec a ip -j -6 route show fd09::1/128 | jq length)" 1
eq "host multipath" "$(nh host 10.9.0.0/24)" \
	'[{"gateway":"10.3.0.2","dev":"hv","weight":3},{"gateway":"10.3.0.3","dev":"hv","weight":1}]'
eq "host multipath is topo's" "$(ip -j route show 10.9.0.0/24 | jq -r '.[0].protocol')" 149
ok "show prints the paths" "$TOPO" show "$F"
contains "show" "$WORK/out" "route 10.9.0.1/32 nexthop via 10.1.0.2 dev p1 weight 1 nexthop via 10.2.0.2 dev p2 weight 2"

# Traffic over both paths: 32 sources (with weights 1:2 all on one path
# has odds (2/3)^32), each flow hashed to one path (L3
# hash); both links carry some of the echoes. Counted in bytes of 1000-byte
# echoes, so ARP and neighbour discovery (under 100 bytes) cannot pass for
# them.
tx() { ip netns exec a ip -j -s link show dev "$1" | jq '.[0].stats64.tx.bytes'; }
expect_ping a 10.9.0.1
p1=$(tx p1) p2=$(tx p2)
for i in $(seq 32); do ip netns exec a ping -q -c 2 -i 0.2 -w 3 -s 1000 -I 10.8.0.$i 10.9.0.1 >/dev/null || fail "ping from 10.8.0.$i"; done
d1=$(( $(tx p1) - p1 )) d2=$(( $(tx p2) - p2 ))
echo "echo bytes sent: p1 +$d1, p2 +$d2"
n_checks=$((n_checks + 1)); [ "$d1" -ge 2084 ] && [ "$d2" -ge 2084 ] || fail "traffic did not use both paths (p1 +$d1, p2 +$d2 bytes)"
# The kernel's own choice, per flow (L4 hash): both devices come up.
echo 1 >/proc/sys/net/ipv4/fib_multipath_hash_policy 2>/dev/null || true
ip netns exec a sysctl -qw net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1
devs() { for p in $(seq 1000 1063); do ip netns exec a ip -j "$1" route get "$2" ipproto udp sport $p dport 53 | jq -r '.[0].dev'; done | sort -u | tr '\n' ' '; }
eq "v4 flows over both paths" "$(devs -4 10.9.0.1)" "p1 p2 "
eq "v6 flows over both paths" "$(devs -6 fd09::1)" "p1 p2 "
ip netns exec a sysctl -qw net.ipv4.fib_multipath_hash_policy=0 net.ipv6.fib_multipath_hash_policy=0

# Drift by hand: a weight.
ip netns exec a ip route replace 10.9.0.1/32 proto 149 nexthop via 10.1.0.2 dev p1 weight 5 nexthop via 10.2.0.2 dev p2 weight 2
rc 2 "diff sees the weight" "$TOPO" diff "$F"
contains "replace" "$WORK/out" "~ route replace 10.9.0.1/32 nexthop via 10.1.0.2 dev p1 weight 1 nexthop via 10.2.0.2 dev p2 weight 2 netns a"
ok "apply repairs" "$TOPO" apply "$F"
eq "weight back" "$(nh a 10.9.0.1)" \
	'[{"gateway":"10.1.0.2","dev":"p1","weight":1},{"gateway":"10.2.0.2","dev":"p2","weight":2}]'
# A path taken away (IPv6: the kernel deletes one sibling).
ip netns exec a ip -6 route del fd09::1/128 via fd02::2 dev p2
eq "v6 one path left" "$(ip netns exec a ip -j -6 route show fd09::1/128 | jq -r '.[0].gateway')" fd01::2
rc 2 "diff sees the missing path" "$TOPO" diff "$F"
contains "v6 replace" "$WORK/out" "~ route replace fd09::1/128 nexthop via fd01::2 weight 1 nexthop via fd02::2 dev p2 weight 1 netns a"
ok "apply repairs" "$TOPO" apply "$F"
eq "v6 both paths back" "$(nh a fd09::1/128 -6)" \
	'[{"gateway":"fd01::2","dev":"p1","weight":1},{"gateway":"fd02::2","dev":"p2","weight":1}]'
# A path added by hand to an IPv6 route (ip route append makes a sibling).
ip netns exec a ip -6 route append fd09::1/128 via fe80::99 dev p1 proto 149
rc 2 "diff sees the extra path" "$TOPO" diff "$F"
ok "apply repairs" "$TOPO" apply "$F"
eq "v6 two paths again" "$(nh a fd09::1/128 -6)" \
	'[{"gateway":"fd01::2","dev":"p1","weight":1},{"gateway":"fd02::2","dev":"p2","weight":1}]'
# A multipath route turned into a single path by hand.
ip netns exec a ip route replace 10.9.0.1/32 via 10.1.0.2 dev p1 proto 149
rc 2 "diff sees the single path" "$TOPO" diff "$F"
ok "apply repairs" "$TOPO" apply "$F"
rc 0 "converged after the repairs" "$TOPO" diff "$F"
eq "foreign multipath untouched" "$(ip -j route show 10.46.0.0/24 | jq -c '[.[0].protocol, (.[0].nexthops | length)]')" '["static",2]'

# The export is the same lab.
ok "export" "$TOPO" export "$F"
cp "$WORK/out" "$WORK/export.yaml"
contains "export writes nexthops" "$WORK/export.yaml" 'nexthops: [{via: "10.3.0.2", dev: hv, weight: 3}, {via: "10.3.0.3", dev: hv}]'
rc 0 "the export is converged" "$TOPO" diff "$WORK/export.yaml"

ok "destroy" "$TOPO" destroy "$F"
settled_like "$WORK/pristine" "$WORK/after"
same_snapshot "destroy leaves what it found" "$WORK/pristine" "$WORK/after"

# A foreign route holding the declared key in host: refused before anything changes.
ip link add hv type veth peer hvx
ip link set hv up
ip route add 10.9.0.0/24 dev hv proto static
settled "$WORK/before-conflict"
rc 1 "a foreign route with the key" "$TOPO" apply "$F"
contains "conflict named" "$WORK/out" "is not topo's"
settled_like "$WORK/before-conflict" "$WORK/after"
same_snapshot "nothing changed" "$WORK/before-conflict" "$WORK/after"
ip link del hv

# Rollback at every step, from the pristine kernel.
"$TOPO" diff --json "$F" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
for k in $(seq 1 "$n"); do
	rc 1 "fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$F"
	contains "step $k rolled back" "$WORK/out" "rolled back"
	settled_like "$WORK/pristine" "$WORK/after"
	same_snapshot "rollback after step $k of $n" "$WORK/pristine" "$WORK/after"
done
# And as an update that changes the paths: each step undone exactly.
ok "apply" "$TOPO" apply "$F"
sed -e 's/weight: 3/weight: 7/' -e 's/{via: "fd01::2"}/{via: "fd01::2", weight: 4}/' "$F" >"$WORK/v2.yaml"
rc 2 "v2 differs" "$TOPO" diff "$WORK/v2.yaml"
settled "$WORK/v1"
"$TOPO" diff --json "$WORK/v2.yaml" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
for k in $(seq 1 "$n"); do
	rc 1 "v2: fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/v2.yaml"
	settled_like "$WORK/v1" "$WORK/after"
	same_snapshot "v2: rollback after step $k of $n" "$WORK/v1" "$WORK/after"
done
ok "apply v2" "$TOPO" apply "$WORK/v2.yaml"
eq "v2 weight" "$(nh host 10.9.0.0/24)" \
	'[{"gateway":"10.3.0.2","dev":"hv","weight":7},{"gateway":"10.3.0.3","dev":"hv","weight":1}]'
ok "destroy" "$TOPO" destroy "$WORK/v2.yaml"
settled_like "$WORK/pristine" "$WORK/after"
same_snapshot "destroy after v2" "$WORK/pristine" "$WORK/after"
done_ok
