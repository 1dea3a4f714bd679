# A rollback must undo an update in an order the kernel accepts: the
# inverse of a renumbering puts the old address back before the old route
# through it ("Nexthop has invalid gateway" otherwise, and the leaf is left
# without a gateway); the inverse of an mtu that went below 1280 raises it
# before IPv6 addresses come back ("IPv6 is disabled on this device").
# Three updates of an applied lab, each failed at every step K
# (TOPO_FAIL_AT_STEP=K), each rollback compared with a full snapshot:
#   1. a renumbering: the bridge's and the leaf's addresses and the routes
#      through the gateway;
#   2. bridge membership: a port moves to another bridge, another leaves its
#      bridge and takes an address;
#   3. an mtu that crosses 1280 with IPv6 addresses, down and back up.
# Each update then applies in one run, converges and works.
. "$(dirname "$0")/lib.sh"

has_route6() { [ -n "$(nsx "$1" ip -6 -j route show "$2" | jq -r '.[0].dst // empty')" ]; }

every_k() {
	local file=$1 label=$2 min=$3 n k
	"$TOPO" diff --json "$file" >"$WORK/plan.json" || true
	n=$(jq '.steps | length' "$WORK/plan.json")
	[ "$n" -ge "$min" ] || fail "$label: plan too small ($n steps)"
	settled "$WORK/before"
	cp /run/topo/*.json "$WORK/state-before.json" 2>/dev/null || echo none >"$WORK/state-before.json"
	for k in $(seq 1 "$n"); do
		rc 1 "$label: fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$file"
		contains "$label: step $k named" "$WORK/out" "step $k failed"
		contains "$label: step $k rolled back" "$WORK/out" "rolled back: "
		lacks "$label: step $k: every step undone" "$WORK/out" "could not be undone"
		settled_like "$WORK/before" "$WORK/after"
		same_snapshot "$label: rollback after step $k of $n" "$WORK/before" "$WORK/after"
		cp /run/topo/*.json "$WORK/state-after.json" 2>/dev/null || echo none >"$WORK/state-after.json"
		same_snapshot "$label: state file after step $k" "$WORK/state-before.json" "$WORK/state-after.json"
	done
	echo "$label: $n steps, each rolled back exactly"
}

# ------------------------------------------------------------ renumbering --
cat >"$WORK/renum1.yaml" <<'YAML'
topology: renum
namespaces:
  host:
    interfaces:
      rbr0: {type: bridge, addresses: [10.10.0.1/24]}
      vethR: {master: rbr0}
  rleaf:
    interfaces:
      eth0: {addresses: [10.10.0.2/24]}
    routes:
      - {to: default, via: 10.10.0.1}
      - {to: 10.99.0.0/16, via: 10.10.0.1, metric: 7}
links:
  - [host:vethR, rleaf:eth0]
YAML
# Renumbered; a nat rule makes a step after the routes (the route replace
# is then not the last step, so its inverse runs in a rollback).
cat >"$WORK/renum2.yaml" <<'YAML'
topology: renum
namespaces:
  host:
    interfaces:
      rbr0: {type: bridge, addresses: [10.20.0.1/24]}
      vethR: {master: rbr0}
  rleaf:
    interfaces:
      eth0: {addresses: [10.20.0.2/24]}
    routes:
      - {to: default, via: 10.20.0.1}
      - {to: 10.99.0.0/16, via: 10.20.0.1, metric: 7}
    sysctls: {net.ipv4.ip_forward: 1}
    nat:
      - masquerade: {source: 10.20.0.0/24, out: eth0}
links:
  - [host:vethR, rleaf:eth0]
YAML
ok "renum: apply v1" "$TOPO" apply "$WORK/renum1.yaml"
expect_ping rleaf 10.10.0.1
every_k "$WORK/renum2.yaml" "renumbering" 6
# The leaf still has its gateway, and it works.
eq "renum: default route back" "$(ip netns exec rleaf ip -j route show default | jq -r '.[0].gateway')" 10.10.0.1
expect_ping rleaf 10.10.0.1
ok "renum: the update applies" "$TOPO" apply "$WORK/renum2.yaml"
rc 0 "renum: converged in one apply" "$TOPO" diff "$WORK/renum2.yaml"
eq "renum: new gateway" "$(ip netns exec rleaf ip -j route show default | jq -r '.[0].gateway')" 10.20.0.1
expect_ping rleaf 10.20.0.1
# And back: the inverse update, failed everywhere too.
every_k "$WORK/renum1.yaml" "renumbering back" 6
ok "renum: destroy" "$TOPO" destroy "$WORK/renum2.yaml"

# ------------------------------------------------------ bridge membership --
cat >"$WORK/br1.yaml" <<'YAML'
topology: member
namespaces:
  host:
    interfaces:
      mbr0: {type: bridge, addresses: [10.30.0.1/24]}
      mbr1: {type: bridge, addresses: [10.31.0.1/24]}
      vethM: {master: mbr0}
      vethN: {master: mbr1}
  m1:
    interfaces:
      eth0: {addresses: [10.30.0.2/24]}
    routes:
      - {to: default, via: 10.30.0.1}
  m2:
    interfaces:
      eth0: {addresses: [10.31.0.2/24]}
    routes:
      - {to: default, via: 10.31.0.1}
links:
  - [host:vethM, m1:eth0]
  - [host:vethN, m2:eth0]
YAML
# vethM moves to mbr1 (its leaf renumbered into mbr1's subnet); vethN leaves
# mbr1 and is routed on its own.
cat >"$WORK/br2.yaml" <<'YAML'
topology: member
namespaces:
  host:
    interfaces:
      mbr0: {type: bridge, addresses: [10.30.0.1/24]}
      mbr1: {type: bridge, addresses: [10.31.0.1/24]}
      vethM: {master: mbr1}
      vethN: {addresses: [10.32.0.1/24]}
  m1:
    interfaces:
      eth0: {addresses: [10.31.0.3/24]}
    routes:
      - {to: default, via: 10.31.0.1}
  m2:
    interfaces:
      eth0: {addresses: [10.32.0.2/24]}
    routes:
      - {to: default, via: 10.32.0.1}
links:
  - [host:vethM, m1:eth0]
  - [host:vethN, m2:eth0]
YAML
ok "member: apply v1" "$TOPO" apply "$WORK/br1.yaml"
every_k "$WORK/br2.yaml" "bridge membership" 6
eq "member: vethM back on mbr0" "$(ip -j link show dev vethM | jq -r '.[0].master')" mbr0
eq "member: vethN back on mbr1" "$(ip -j link show dev vethN | jq -r '.[0].master')" mbr1
expect_ping m1 10.30.0.1
expect_ping m2 10.31.0.1
ok "member: the update applies" "$TOPO" apply "$WORK/br2.yaml"
rc 0 "member: converged in one apply" "$TOPO" diff "$WORK/br2.yaml"
eq "member: vethM on mbr1" "$(ip -j link show dev vethM | jq -r '.[0].master')" mbr1
eq "member: vethN on no bridge" "$(ip -j link show dev vethN | jq -r '.[0].master // "none"')" none
expect_ping m1 10.31.0.1
expect_ping m2 10.32.0.1
every_k "$WORK/br1.yaml" "bridge membership back" 6
ok "member: destroy" "$TOPO" destroy "$WORK/br2.yaml"

# ------------------------------------------- mtu across 1280 with IPv6 --
cat >"$WORK/mtu1.yaml" <<'YAML'
topology: mtu
namespaces:
  host:
    interfaces:
      vethP: {addresses: [10.40.0.1/24, "fd40::1/64"]}
  p1:
    interfaces:
      eth0: {addresses: [10.40.0.2/24, "fd40::2/64"]}
    routes:
      - {to: default, via: 10.40.0.1}
      - {to: "fd41::/64", via: "fd40::1"}
links:
  - [host:vethP, p1:eth0]
YAML
# Below 1280: IPv6 leaves both ends in the same apply.
cat >"$WORK/mtu2.yaml" <<'YAML'
topology: mtu
namespaces:
  host:
    interfaces:
      vethP: {addresses: [10.40.0.1/24]}
  p1:
    interfaces:
      eth0: {addresses: [10.40.0.2/24]}
    routes:
      - {to: default, via: 10.40.0.1}
links:
  - {endpoints: [host:vethP, p1:eth0], mtu: 1200}
YAML
ok "mtu: apply v1" "$TOPO" apply "$WORK/mtu1.yaml"
every_k "$WORK/mtu2.yaml" "mtu down across 1280" 5
eq "mtu: back to 1500" "$(ip netns exec p1 ip -j link show dev eth0 | jq -r '.[0].mtu')" 1500
has_addr p1 eth0 fd40::2/64 || fail "mtu: fd40::2/64 not restored"
has_route6 p1 fd41::/64 || fail "mtu: the IPv6 route not restored"
ok "mtu: the update applies in one run" "$TOPO" apply "$WORK/mtu2.yaml"
rc 0 "mtu: converged" "$TOPO" diff "$WORK/mtu2.yaml"
eq "mtu: 1200" "$(ip netns exec p1 ip -j link show dev eth0 | jq -r '.[0].mtu')" 1200
eq "mtu: no IPv6 left on eth0" "$(ip netns exec p1 ip -j -6 addr show dev eth0 | jq '[.[].addr_info[]] | length')" 0
expect_ping p1 10.40.0.1
# Back up: the mtu is raised before the IPv6 addresses come.
every_k "$WORK/mtu1.yaml" "mtu up across 1280" 5
eq "mtu: still 1200" "$(ip -j link show dev vethP | jq -r '.[0].mtu')" 1200
ok "mtu: up again in one run" "$TOPO" apply "$WORK/mtu1.yaml"
rc 0 "mtu: converged again" "$TOPO" diff "$WORK/mtu1.yaml"
has_addr p1 eth0 fd40::2/64 || fail "mtu: fd40::2/64 missing after raising"
eq "mtu: 1500 again (mtu: left the file)" "$(ip -j link show dev vethP | jq -r '.[0].mtu')" 1500
ok "mtu: destroy" "$TOPO" destroy "$WORK/mtu1.yaml"
done_ok
