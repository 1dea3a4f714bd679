# Bridge options: declared ones applied and read back (ip -j -d link),
# converged, drift by hand repaired, undeclared ones left to the kernel,
# nf_call_iptables per bridge effective (an nft forward drop stops only the
# bridge that calls it), vlan_filtering refused with a clear message,
# rollback at every step (of a fresh apply and of an option update) and
# destroy leave identical snapshots, options included.
. "$(dirname "$0")/lib.sh"

# Options of every bridge, vxlan and macvlan, for the snapshots (lib.sh's
# leaves info_data out).
optsnap() {
	local ns
	for ns in host $(ip netns list | awk '{print $1}' | sort); do
		echo "== $ns"
		nsx "$ns" ip -j -d link show | jq -S -c '.[] | select(.linkinfo.info_kind == "bridge" or
			.linkinfo.info_kind == "vxlan" or .linkinfo.info_kind == "macvlan") | {ifname,
			kind: .linkinfo.info_kind, data: (.linkinfo.info_data | del(.hello_timer, .tcn_timer,
			.topology_change_timer, .gc_timer, .root_id, .bridge_id, .designated_root, .root_port, .root_path_cost,
			.topology_change, .topology_change_detected, .mcast_querier_ipv4_addr, .mcast_querier_ipv6_addr) )}' | sort
	done
}
brdata() { nsx "$1" ip -j -d link show dev "$2" | jq -r ".[0].linkinfo.info_data.$3"; }

cat >"$WORK/lab.yaml" <<'YAML'
topology: bropts
namespaces:
  sw:
    sysctls:
      # The namespace-wide switch off: only the per-bridge one decides.
      net.bridge.bridge-nf-call-iptables: 0
    interfaces:
      brA: {type: bridge, stp: true, ageing_time: 12000, forward_delay: 400, hello_time: 300, max_age: 1000,
            priority: 100, mcast_snooping: false, nf_call_iptables: true}
      brB: {type: bridge, nf_call_iptables: false}
      a1: {master: brA}
      a2: {master: brA}
      b1: {master: brB}
      b2: {master: brB}
  h1:
    interfaces:
      eth0: {addresses: [10.61.0.1/24]}
  h2:
    interfaces:
      eth0: {addresses: [10.61.0.2/24]}
  h3:
    interfaces:
      eth0: {addresses: [10.62.0.3/24]}
  h4:
    interfaces:
      eth0: {addresses: [10.62.0.4/24]}
links:
  - [sw:a1, h1:eth0]
  - [sw:a2, h2:eth0]
  - [sw:b1, h3:eth0]
  - [sw:b2, h4:eth0]
YAML

# Rollback at every step of the fresh apply.
"$TOPO" diff --json "$WORK/lab.yaml" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
settled "$WORK/before"; optsnap >"$WORK/opts-before"
for k in $(seq 1 "$n"); do
	rc 1 "fresh: fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/lab.yaml"
	settled_like "$WORK/before" "$WORK/after"
	same_snapshot "fresh: rollback after step $k of $n" "$WORK/before" "$WORK/after"
	optsnap >"$WORK/opts-after"
	same_snapshot "fresh: options after step $k" "$WORK/opts-before" "$WORK/opts-after"
done

ok "apply" "$TOPO" apply "$WORK/lab.yaml"
contains "options in the plan" "$WORK/out" "type bridge stp_state 1 ageing_time 12000 forward_delay 400 hello_time 300 max_age 1000 priority 100 mcast_snooping 0 nf_call_iptables 1"
eq "stp" "$(brdata sw brA stp_state)" 1
eq "ageing_time" "$(brdata sw brA ageing_time)" 12000
eq "forward_delay" "$(brdata sw brA forward_delay)" 400
eq "hello_time" "$(brdata sw brA hello_time)" 300
eq "max_age" "$(brdata sw brA max_age)" 1000
eq "priority" "$(brdata sw brA priority)" 100
eq "mcast_snooping" "$(brdata sw brA mcast_snooping)" 0
eq "nf_call_iptables on brA" "$(brdata sw brA nf_call_iptables)" 1
eq "nf_call_iptables off brB" "$(brdata sw brB nf_call_iptables)" 0
# Undeclared: the kernel's default, untouched.
eq "brB stp undeclared" "$(brdata sw brB stp_state)" 0
eq "brB ageing undeclared" "$(brdata sw brB ageing_time)" 30000
rc 0 "converged" "$TOPO" diff "$WORK/lab.yaml"
ok "show has the options" "$TOPO" show "$WORK/lab.yaml"
contains "show" "$WORK/out" "nf_call_iptables 1"

# Traffic, then bridge netfilter: an nft forward drop of ICMP in sw stops
# only the bridge that calls the ip hooks.
sleep 4   # brA runs STP: its ports learn for 2 x forward_delay (4 s) before forwarding
expect_ping h1 10.61.0.2
expect_ping h3 10.62.0.4
nsx sw nft -f - <<'NFT'
table ip brdrop {
	chain filt { type filter hook forward priority 0; icmp type echo-request drop; }
}
NFT
expect_no_ping h1 10.61.0.2
expect_ping h3 10.62.0.4
nsx sw nft delete table ip brdrop
expect_ping h1 10.61.0.2

# Drift by hand: a declared option flipped is repaired; an undeclared one
# changed by hand is not topo's business.
nsx sw ip link set brA type bridge stp_state 0 ageing_time 500
nsx sw ip link set brB type bridge ageing_time 700
rc 2 "drift seen" "$TOPO" diff "$WORK/lab.yaml"
contains "stp repaired" "$WORK/out" "~ link set brA type bridge stp_state 1 netns sw"
contains "ageing repaired" "$WORK/out" "~ link set brA type bridge ageing_time 12000 netns sw"
lacks "undeclared left alone" "$WORK/out" "brB"
ok "repair" "$TOPO" apply "$WORK/lab.yaml"
eq "stp back" "$(brdata sw brA stp_state)" 1
eq "ageing back" "$(brdata sw brA ageing_time)" 12000
eq "brB's own value kept" "$(brdata sw brB ageing_time)" 700
rc 0 "converged after repair" "$TOPO" diff "$WORK/lab.yaml"

# An update of options, rolled back at every step: the options come back.
sed -e 's/priority: 100/priority: 200/' -e 's/nf_call_iptables: false/nf_call_iptables: true, ageing_time: 900/' \
	"$WORK/lab.yaml" >"$WORK/v2.yaml"
"$TOPO" diff --json "$WORK/v2.yaml" >"$WORK/plan2.json" || true
n=$(jq '.steps | length' "$WORK/plan2.json")
[ "$n" -ge 3 ] || fail "update plan too small ($n)"
settled "$WORK/before2"; optsnap >"$WORK/opts-before2"
for k in $(seq 1 "$n"); do
	rc 1 "update: fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/v2.yaml"
	settled_like "$WORK/before2" "$WORK/after"
	same_snapshot "update: rollback after step $k of $n" "$WORK/before2" "$WORK/after"
	optsnap >"$WORK/opts-after"
	same_snapshot "update: options after step $k" "$WORK/opts-before2" "$WORK/opts-after"
done
ok "apply v2" "$TOPO" apply "$WORK/v2.yaml"
eq "priority changed in place" "$(brdata sw brA priority)" 200
eq "brB nf_call on" "$(brdata sw brB nf_call_iptables)" 1

# vlan_filtering: this kernel refuses it; apply says so and changes nothing.
cat >"$WORK/vf.yaml" <<'YAML'
topology: bropts-vf
namespaces:
  host:
    interfaces:
      brV: {type: bridge, vlan_filtering: true}
YAML
settled "$WORK/before3"
if rc_out=$("$TOPO" apply "$WORK/vf.yaml" 2>&1); then
	# A kernel with CONFIG_BRIDGE_VLAN_FILTERING: then it must be on.
	eq "vlan_filtering on" "$(brdata host brV vlan_filtering)" 1
	ok "destroy vf" "$TOPO" destroy "$WORK/vf.yaml"
else
	echo "$rc_out" >"$WORK/vfout"
	contains "vlan_filtering refused clearly" "$WORK/vfout" "this kernel does not support bridge vlan_filtering"
	contains "vlan_filtering rolled back" "$WORK/vfout" "rolled back"
fi
settled_like "$WORK/before3" "$WORK/after"
same_snapshot "vlan_filtering leaves nothing" "$WORK/before3" "$WORK/after"

# Bad input: line:col, nothing applied.
printf 'topology: bad\nnamespaces:\n  host:\n    interfaces:\n      brX: {type: bridge, hello_time: 5}\n' >"$WORK/bad.yaml"
rc 1 "bad hello_time" "$TOPO" apply "$WORK/bad.yaml"
contains "bad hello_time line:col" "$WORK/out" "bad.yaml:5:39: error: hello_time must be an integer 100-1000"

# Destroy leaves the kernel as before the lab.
ok "destroy" "$TOPO" destroy "$WORK/v2.yaml"
settled_like "$WORK/before" "$WORK/after"
same_snapshot "destroy" "$WORK/before" "$WORK/after"
done_ok
