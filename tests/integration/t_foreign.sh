# Foreign objects with the same or similar names as declared ones are a
# conflict reported before anything changes, and are never changed; destroy
# never removes what carries another topology's mark.
. "$(dirname "$0")/lib.sh"
F=$TOPOLOGIES/seed001-bridge.yaml

conflict_case() {   # DESCRIPTION EXPECTED-TEXT FILE
	snapshot "$WORK/before"
	rc 1 "$1: apply refuses" "$TOPO" apply "$3"
	contains "$1: names it" "$WORK/out" "$2"
	contains "$1: says nothing changed" "$WORK/out" "nothing was changed"
	rc 1 "$1: diff refuses too" "$TOPO" diff "$3"
	snapshot "$WORK/after"
	same_snapshot "$1: nothing changed" "$WORK/before" "$WORK/after"
}

# A foreign link with a declared name.
ip link add mybr0 type bridge
conflict_case "foreign bridge" "interface mybr0 in namespace host exists and was not created by topo" "$F"
ip link del mybr0

# A foreign namespace with a declared name.
ip netns add netns_A
conflict_case "foreign namespace" "namespace netns_A exists (/run/netns/netns_A) and was not created by topology 'seed001'" "$F"
ip netns del netns_A

# A foreign address and a foreign route where the file declares the same.
ip addr add 10.255.0.9/32 dev lo
ip route add 10.123.0.0/24 dev lo
cat >"$WORK/host-objects.yaml" <<'YAML'
topology: hostobj
namespaces:
  host:
    interfaces:
      lo: {addresses: [10.255.0.9/32]}
    routes:
      - {to: 10.123.0.0/24, dev: lo}
YAML
conflict_case "foreign address" "address 10.255.0.9/32 on lo in namespace host exists and is not topo's" "$WORK/host-objects.yaml"
contains "foreign route too" "$WORK/out" "a route with the same key"

# Similar names live side by side and survive apply and destroy.
ip link add mybr0x type bridge
ip link add vethA2 type veth peer name vethA3
ip netns add netns_A2
ip route add 10.124.0.0/24 dev lo proto static
ok "apply next to similar names" "$TOPO" apply "$F"
ok "destroy next to similar names" "$TOPO" destroy "$F"
for l in mybr0x vethA2 vethA3; do ok "$l survives" link_exists host $l; done
ok "netns_A2 survives" ip netns exec netns_A2 true
ok "foreign route survives" has_route host 10.124.0.0/24
ok "foreign address survives" has_addr host lo 10.255.0.9/32

# Topo's addresses on host's lo next to a foreign one: only topo's go.
cat >"$WORK/lo.yaml" <<'YAML'
topology: loaddr
namespaces:
  host:
    interfaces:
      lo: {addresses: [10.255.0.10/32, "fd99::10/128"]}
    routes:
      - {to: 10.125.0.0/24, dev: lo, metric: 7}
YAML
ok "apply lo addresses" "$TOPO" apply "$WORK/lo.yaml"
ok "ours is there" has_addr host lo 10.255.0.10/32
ok "destroy lo addresses" "$TOPO" destroy "$WORK/lo.yaml"
! has_addr host lo 10.255.0.10/32 || fail "topo's address on lo left behind"
ok "the foreign one stays" has_addr host lo 10.255.0.9/32
! has_route host 10.125.0.0/24 || fail "topo's route left behind"

# Another topology's objects, found by its mark, are not this one's.
ok "apply seed003" "$TOPO" apply "$TOPOLOGIES/seed003-pod.yaml"
ok "apply seed004" "$TOPO" apply "$TOPOLOGIES/seed004-trace.yaml"
rm -f /run/topo/seed003.json
ok "destroy seed003 from marks alone" "$TOPO" destroy --name seed003
rc 0 "seed004 untouched" "$TOPO" diff "$TOPOLOGIES/seed004-trace.yaml"
ok "seed004's bridge" link_exists host docker0
! link_exists host br-pub || fail "seed003's bridge left behind"
# A link carrying seed004's mark with a name seed003 declares: a conflict.
ip link set docker0 name br-pub
rc 1 "another topology's link" "$TOPO" apply "$TOPOLOGIES/seed003-pod.yaml"
contains "names the owner" "$WORK/out" "belongs to topology 'seed004'"
ip link set br-pub name docker0
ok "destroy seed004" "$TOPO" destroy "$TOPOLOGIES/seed004-trace.yaml"
done_ok
