# macvlan: on a foreign parent in host (an existing link topo does not
# manage: used, never changed or deleted) and on a declared veth in a
# created namespace. Checked with ip -j -d link and real traffic; converged;
# mode flipped by hand repaired in place; a parent change is a replace;
# rollback at every step and destroy leave identical snapshots (the
# foreign parent and its namespace included).
. "$(dirname "$0")/lib.sh"

mvdata() { nsx "$1" ip -j -d link show dev "$2" | jq -r ".[0].linkinfo.info_data.$3"; }
mvparent() { nsx "$1" ip -j -d link show dev "$2" | jq -r '.[0].link'; }

# The foreign parent: a veth made by hand, its other end in a namespace
# topo does not know, with a peer address to ping from.
ip netns add ext
ip link add up0 type veth peer name peer0 netns ext
ip link set up0 up
ip link set up0 alias "someone-else's"
ip -n ext link set peer0 up
ip -n ext addr add 10.70.0.100/24 dev peer0
up0_idx=$(ifindex host up0)
up0_before=$(ip -j -d link show dev up0 | jq -S 'map(del(.stats, .stats64, .operstate, .promiscuity, .allmulti))')

cat >"$WORK/lab.yaml" <<'YAML'
topology: mvlab
namespaces:
  host:
    interfaces:
      mv1: {type: macvlan, parent: up0, mode: bridge, addresses: [10.70.0.1/24]}
      mv2: {type: macvlan, parent: up0, mode: bridge, addresses: [10.70.0.2/24]}
  lan:
    interfaces:
      eth0: {addresses: [10.71.0.9/24]}
      m3: {type: macvlan, parent: eth0, mode: private, addresses: [10.71.0.3/24]}
links:
  - [host:vethL, lan:eth0]
YAML
cat >>"$WORK/lab.yaml" <<'YAML'
YAML
sed -i 's|^namespaces:|namespaces:|; s|^  host:$|  host:|' "$WORK/lab.yaml"
# host's end of the veth gets an address in lan's subnet.
sed -i 's|^      mv1:|      vethL: {addresses: [10.71.0.1/24]}\n      mv1:|' "$WORK/lab.yaml"

# Rollback at every step of the fresh apply.
"$TOPO" diff --json "$WORK/lab.yaml" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
[ "$n" -gt 5 ] || fail "plan too small ($n)"
settled "$WORK/before"
for k in $(seq 1 "$n"); do
	rc 1 "fresh: fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/lab.yaml"
	settled_like "$WORK/before" "$WORK/after"
	same_snapshot "fresh: rollback after step $k of $n" "$WORK/before" "$WORK/after"
done

ok "apply" "$TOPO" apply "$WORK/lab.yaml"
eq "mv1 kind" "$(nsx host ip -j -d link show dev mv1 | jq -r '.[0].linkinfo.info_kind')" macvlan
eq "mv1 mode" "$(mvdata host mv1 mode)" bridge
eq "mv1 parent" "$(mvparent host mv1)" up0
eq "mv2 parent" "$(mvparent host mv2)" up0
eq "m3 mode" "$(mvdata lan m3 mode)" private
eq "m3 parent" "$(mvparent lan m3)" eth0
eq "mv1 mtu is its parent's" "$(nsx host ip -j link show dev mv1 | jq -r '.[0].mtu')" 1500
rc 0 "converged" "$TOPO" diff "$WORK/lab.yaml"

# The foreign parent: same device, untouched (alias, state, everything;
# its promiscuity is the kernel's while macvlans sit on it).
eq "up0 same ifindex" "$(ifindex host up0)" "$up0_idx"
eq "up0 untouched" "$(ip -j -d link show dev up0 | jq -S 'map(del(.stats, .stats64, .operstate, .promiscuity, .allmulti))')" "$up0_before"

# Real traffic: the foreign namespace reaches both macvlans through the parent;
# lan's macvlan answers host through its veth parent.
expect_ping ext 10.70.0.1
expect_ping ext 10.70.0.2
expect_ping host 10.71.0.3

# Drift by hand: mode flipped back in place (same ifindex).
m3_idx=$(ifindex lan m3)
nsx lan ip link set m3 type macvlan mode vepa
rc 2 "mode drift seen" "$TOPO" diff "$WORK/lab.yaml"
contains "mode repaired in place" "$WORK/out" "~ link set m3 type macvlan mode private netns lan"
ok "repair" "$TOPO" apply "$WORK/lab.yaml"
eq "mode back" "$(mvdata lan m3 mode)" private
eq "m3 kept" "$(ifindex lan m3)" "$m3_idx"
rc 0 "converged after repair" "$TOPO" diff "$WORK/lab.yaml"

# A parent change: a replace, said so.
sed -e 's|m3: {type: macvlan, parent: eth0, mode: private|m3: {type: macvlan, parent: eth1, mode: private|' \
	-e 's|^  - \[host:vethL, lan:eth0\]|  - [host:vethL, lan:eth0]\n  - [host:vethM, lan:eth1]|' "$WORK/lab.yaml" >"$WORK/v2.yaml"
rc 2 "parent change" "$TOPO" diff "$WORK/v2.yaml"
contains "replace noted" "$WORK/out" "- link del m3 netns lan  # replace: parent changed"

# Not ours: a macvlan of the same name made by hand is a conflict, untouched.
ok "destroy" "$TOPO" destroy "$WORK/lab.yaml"
settled_like "$WORK/before" "$WORK/after"
same_snapshot "destroy" "$WORK/before" "$WORK/after"
eq "up0 survives destroy" "$(ifindex host up0)" "$up0_idx"
ip link add mv1 link up0 type macvlan mode vepa
rc 1 "foreign macvlan" "$TOPO" apply "$WORK/lab.yaml"
contains "conflict" "$WORK/out" "interface mv1 in namespace host exists and was not created by topo"
eq "foreign mv1 untouched" "$(mvdata host mv1 mode)" vepa
ip link del mv1

# Two namespaces on one parent in host (parent: "host:up0"): created there
# and moved (IFLA_LINK_NETNSID); in bridge mode they reach each other.
cat >"$WORK/lab2.yaml" <<'YAML'
topology: mvx
namespaces:
  host: {}
  na:
    interfaces:
      m1: {type: macvlan, parent: "host:up0", mode: bridge, addresses: [10.80.0.1/24]}
  nb:
    interfaces:
      m2: {type: macvlan, parent: "host:up0", mode: bridge, addresses: [10.80.0.2/24]}
YAML
"$TOPO" diff --json "$WORK/lab2.yaml" >"$WORK/plan2.json" || true
n=$(jq '.steps | length' "$WORK/plan2.json")
settled "$WORK/before2"
for k in $(seq 1 "$n"); do
	rc 1 "two namespaces: fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/lab2.yaml"
	settled_like "$WORK/before2" "$WORK/after"
	same_snapshot "two namespaces: rollback after step $k of $n" "$WORK/before2" "$WORK/after"
done
ok "apply two namespaces" "$TOPO" apply "$WORK/lab2.yaml"
contains "made on host's up0" "$WORK/out" "+ link add m1 type macvlan link up0 link-netns host mode bridge netns na"
eq "m1 on a parent elsewhere" "$(nsx na ip -j -d link show dev m1 | jq -r '.[0].link_netnsid != null')" true
eq "m1 mode" "$(mvdata na m1 mode)" bridge
rc 0 "two namespaces converged" "$TOPO" diff "$WORK/lab2.yaml"
expect_ping na 10.80.0.2
expect_ping nb 10.80.0.1
nsx nb ip link set m2 type macvlan mode private
rc 2 "two namespaces: mode drift" "$TOPO" diff "$WORK/lab2.yaml"
contains "two namespaces: repaired in place" "$WORK/out" "~ link set m2 type macvlan mode bridge netns nb"
ok "two namespaces: repair" "$TOPO" apply "$WORK/lab2.yaml"
expect_ping na 10.80.0.2
ok "export" "$TOPO" export "$WORK/lab2.yaml"
contains "export names the parent's namespace" "$WORK/out" 'parent: "host:up0"'
eq "up0 untouched by the second lab" "$(ip -j -d link show dev up0 | jq -S 'map(del(.stats, .stats64, .operstate, .promiscuity, .allmulti))')" "$up0_before"
ok "destroy two namespaces" "$TOPO" destroy "$WORK/lab2.yaml"
settled_like "$WORK/before2" "$WORK/after"
same_snapshot "destroy two namespaces" "$WORK/before2" "$WORK/after"
done_ok
