# A failed apply leaves the kernel exactly as it found it, whichever step
# fails: TOPO_FAIL_AT_STEP=K for every K of the plan, from an empty kernel
# and as an update of an applied lab (the update prunes a namespace, adds
# one, changes addresses, mtu, routes, a sysctl: every kind of step and its
# inverse). The snapshot is ip -j link/addr/route of every namespace, the
# nft ruleset, the sysctls, ip netns list.
. "$(dirname "$0")/lib.sh"

every_k() {
	local file=$1 label=$2 n k
	"$TOPO" diff --json "$file" >"$WORK/plan.json" || true
	n=$(jq '.steps | length' "$WORK/plan.json")
	[ "$n" -gt 5 ] || fail "$label: plan too small ($n steps)"
	settled "$WORK/before"
	cp /run/topo/*.json "$WORK/state-before.json" 2>/dev/null || echo none >"$WORK/state-before.json"
	for k in $(seq 1 "$n"); do
		rc 1 "$label: fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$file"
		contains "$label: step $k named" "$WORK/out" "step $k failed"
		contains "$label: step $k rolled back" "$WORK/out" "rolled back"
		settled_like "$WORK/before" "$WORK/after"
		same_snapshot "$label: rollback after step $k of $n" "$WORK/before" "$WORK/after"
		cp /run/topo/*.json "$WORK/state-after.json" 2>/dev/null || echo none >"$WORK/state-after.json"
		same_snapshot "$label: state file after step $k" "$WORK/state-before.json" "$WORK/state-after.json"
	done
	echo "$label: $n steps, each rolled back exactly"
}

# 1. From an empty kernel.
every_k "$TOPOLOGIES/seed001-bridge.yaml" "fresh"

# 2. As an update: netns_B pruned, netns_C added, an address, an mtu, a route, ip_forward.
ok "apply v1" "$TOPO" apply "$TOPOLOGIES/seed001-bridge.yaml"
cat >"$WORK/v2.yaml" <<'YAML'
topology: seed001
namespaces:
  host:
    sysctls:
      net.ipv4.ip_forward: 0
    interfaces:
      mybr0: {type: bridge, addresses: [172.18.0.1/16, "fd18::1/64"], mtu: 1400}
      vethA: {master: mybr0}
      vethC: {master: mybr0}
  netns_A:
    interfaces:
      eth0: {addresses: [172.18.0.22/16, "fd18::2/64"], mtu: 1400}
    routes:
      - {to: default, via: 172.18.0.1, metric: 5}
      - {to: 10.1.0.0/16, type: blackhole}
  netns_C:
    interfaces:
      eth0: {addresses: [172.18.0.4/16]}
    routes:
      - {to: default, via: 172.18.0.1}
links:
  - [host:vethA, netns_A:eth0]
  - [host:vethC, netns_C:eth0]
YAML
ip netns exec netns_B ip route add 10.77.0.0/16 via 172.18.0.1   # a foreign route in the pruned namespace
every_k "$WORK/v2.yaml" "update"
ok "the update itself applies" "$TOPO" apply "$WORK/v2.yaml"
rc 0 "converged" "$TOPO" diff "$WORK/v2.yaml"
ok "destroy" "$TOPO" destroy "$WORK/v2.yaml"
done_ok
