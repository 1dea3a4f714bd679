# vxlan options and static fdb (head-end replication): applied and read back
# (ip -j -d link, bridge -j fdb), real traffic across three VTEPs with no
# remote or group (only the fdb lists), converged, drift by hand repaired
# (ttl, learning, an fdb entry deleted or added), an immutable option
# change is a replace with a note, a foreign vxlan and its fdb untouched,
# rollback at every step and destroy leave identical snapshots (options and
# fdb included).
. "$(dirname "$0")/lib.sh"

vxdata() { nsx "$1" ip -j -d link show dev "$2" | jq -c ".[0].linkinfo.info_data.$3"; }
fdbs() { nsx "$1" bridge -j fdb show dev "$2" | jq -c '[.[] | select(.state == "permanent") | {mac, dst}] | sort_by(.dst)'; }
extsnap() {
	local ns
	for ns in host $(ip netns list | awk '{print $1}' | sort); do
		echo "== $ns"
		nsx "$ns" ip -j -d link show | jq -S -c '.[] | select(.linkinfo.info_kind == "vxlan") | {ifname, d: .linkinfo.info_data}'
		for d in $(nsx "$ns" ip -j link show type vxlan | jq -r '.[].ifname'); do
			echo "fdb $d $(fdbs "$ns" "$d")"
		done
	done
}

# A foreign vxlan with a static entry of its own: never touched.
ip link add fvx type vxlan id 99 dstport 4789 local 127.0.0.1
bridge fdb append 00:00:00:00:00:00 dev fvx dst 192.0.2.99
fvx_fdb=$(fdbs host fvx)

cat >"$WORK/lab.yaml" <<'YAML'
topology: vxopts
namespaces:
  u:
    interfaces:
      brU: {type: bridge}
      pa: {master: brU}
      pb: {master: brU}
      pc: {master: brU}
  a:
    interfaces:
      eth0: {addresses: [10.9.0.1/24]}
      vx0: {type: vxlan, vni: 7, local: 10.9.0.1, dev: eth0, ttl: 64, tos: 0, df: set, learning: false,
            udpcsum: false, srcport: "40000-41000", addresses: [10.10.0.1/24],
            fdb: [{mac: "00:00:00:00:00:00", dst: 10.9.0.2}, {mac: "00:00:00:00:00:00", dst: 10.9.0.3}]}
  b:
    interfaces:
      eth0: {addresses: [10.9.0.2/24]}
      vx0: {type: vxlan, vni: 7, local: 10.9.0.2, dev: eth0, df: inherit, learning: false, addresses: [10.10.0.2/24],
            fdb: [{mac: "00:00:00:00:00:00", dst: 10.9.0.1}, {mac: "00:00:00:00:00:00", dst: 10.9.0.3}]}
  c:
    interfaces:
      eth0: {addresses: [10.9.0.3/24]}
      vx0: {type: vxlan, vni: 7, local: 10.9.0.3, dev: eth0, learning: false, addresses: [10.10.0.3/24],
            fdb: [{mac: "00:00:00:00:00:00", dst: 10.9.0.1}, {mac: "00:00:00:00:00:00", dst: 10.9.0.2}]}
links:
  - [u:pa, a:eth0]
  - [u:pb, b:eth0]
  - [u:pc, c:eth0]
YAML

# Rollback at every step of the fresh apply.
"$TOPO" diff --json "$WORK/lab.yaml" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
[ "$n" -gt 10 ] || fail "plan too small ($n)"
settled "$WORK/before"; extsnap >"$WORK/ext-before"
for k in $(seq 1 "$n"); do
	rc 1 "fresh: fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/lab.yaml"
	settled_like "$WORK/before" "$WORK/after"
	same_snapshot "fresh: rollback after step $k of $n" "$WORK/before" "$WORK/after"
	extsnap >"$WORK/ext-after"
	same_snapshot "fresh: vxlan and fdb after step $k" "$WORK/ext-before" "$WORK/ext-after"
done

ok "apply" "$TOPO" apply "$WORK/lab.yaml"
eq "ttl" "$(vxdata a vx0 ttl)" 64
eq "df set" "$(vxdata a vx0 df)" '"set"'
eq "df inherit" "$(vxdata b vx0 df)" '"inherit"'
eq "learning off" "$(vxdata a vx0 learning)" false
eq "udpcsum off" "$(vxdata a vx0 udp_csum)" false
eq "srcport" "$(vxdata a vx0 port_range)" '{"low":40000,"high":41000}'
eq "undeclared ttl left to the kernel (auto)" "$(vxdata c vx0 ttl)" 0
eq "fdb a" "$(fdbs a vx0)" '[{"mac":"00:00:00:00:00:00","dst":"10.9.0.2"},{"mac":"00:00:00:00:00:00","dst":"10.9.0.3"}]'
eq "fdb c" "$(fdbs c vx0)" '[{"mac":"00:00:00:00:00:00","dst":"10.9.0.1"},{"mac":"00:00:00:00:00:00","dst":"10.9.0.2"}]'
rc 0 "converged" "$TOPO" diff "$WORK/lab.yaml"
ok "export" "$TOPO" export "$WORK/lab.yaml"
cp "$WORK/out" "$WORK/exported.yaml"
contains "export has the fdb" "$WORK/exported.yaml" 'fdb: [{mac: "00:00:00:00:00:00", dst: "10.9.0.2"}, {mac: "00:00:00:00:00:00", dst: "10.9.0.3"}]'
contains "export has the options" "$WORK/exported.yaml" "ttl: 64"
rc 0 "the export is converged" "$TOPO" diff "$WORK/exported.yaml"

# Head-end replication: no remote, no group, no learning; only the lists.
expect_ping a 10.10.0.2
expect_ping a 10.10.0.3
expect_ping b 10.10.0.3

# Drift by hand.
nsx a ip link set vx0 type vxlan ttl 5
nsx a bridge fdb del 00:00:00:00:00:00 dev vx0 dst 10.9.0.3
nsx a bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.9.0.77
rc 2 "drift seen" "$TOPO" diff "$WORK/lab.yaml"
contains "ttl repaired" "$WORK/out" "~ link set vx0 type vxlan ttl 64 netns a"
contains "fdb re-added" "$WORK/out" "+ fdb append 00:00:00:00:00:00 dev vx0 dst 10.9.0.3 netns a"
contains "fdb by hand removed" "$WORK/out" "- fdb del 00:00:00:00:00:00 dev vx0 dst 10.9.0.77 netns a"
ok "repair" "$TOPO" apply "$WORK/lab.yaml"
eq "ttl back" "$(vxdata a vx0 ttl)" 64
eq "fdb back" "$(fdbs a vx0)" '[{"mac":"00:00:00:00:00:00","dst":"10.9.0.2"},{"mac":"00:00:00:00:00:00","dst":"10.9.0.3"}]'
rc 0 "converged after repair" "$TOPO" diff "$WORK/lab.yaml"
expect_ping a 10.10.0.3

# An immutable option: a replace, said so; applied, the fdb comes back on the new device.
sed 's|srcport: "40000-41000"|srcport: "42000-43000"|' "$WORK/lab.yaml" >"$WORK/v2.yaml"
rc 2 "srcport change" "$TOPO" diff "$WORK/v2.yaml"
contains "replace noted" "$WORK/out" "- link del vx0 netns a  # replace: vxlan parameters changed"
# ...and an update rolled back at every step (replace, fdb, in place).
sed -i -e 's|ttl: 64|ttl: 32|' -e 's|{mac: "00:00:00:00:00:00", dst: 10.9.0.1}, {mac: "00:00:00:00:00:00", dst: 10.9.0.3}|{mac: "00:00:00:00:00:00", dst: 10.9.0.1}|' "$WORK/v2.yaml"
"$TOPO" diff --json "$WORK/v2.yaml" >"$WORK/plan2.json" || true
n=$(jq '.steps | length' "$WORK/plan2.json")
settled "$WORK/before2"; extsnap >"$WORK/ext-before2"
for k in $(seq 1 "$n"); do
	rc 1 "update: fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/v2.yaml"
	settled_like "$WORK/before2" "$WORK/after"
	same_snapshot "update: rollback after step $k of $n" "$WORK/before2" "$WORK/after"
	extsnap >"$WORK/ext-after"
	same_snapshot "update: vxlan and fdb after step $k" "$WORK/ext-before2" "$WORK/ext-after"
done
ok "apply v2" "$TOPO" apply "$WORK/v2.yaml"
eq "new srcport" "$(vxdata a vx0 port_range)" '{"low":42000,"high":43000}'
eq "fdb on the new device" "$(fdbs a vx0)" '[{"mac":"00:00:00:00:00:00","dst":"10.9.0.2"},{"mac":"00:00:00:00:00:00","dst":"10.9.0.3"}]'
eq "b's list shrank" "$(fdbs b vx0)" '[{"mac":"00:00:00:00:00:00","dst":"10.9.0.1"}]'
expect_ping a 10.10.0.3
rc 0 "converged v2" "$TOPO" diff "$WORK/v2.yaml"

# Bad input: line:col, nothing applied.
printf 'topology: bad\nnamespaces:\n  host:\n    interfaces:\n      v: {type: vxlan, vni: 1, fdb: [{mac: "00:00:00:00:00:00"}]}\n' >"$WORK/bad.yaml"
rc 1 "fdb without dst" "$TOPO" apply "$WORK/bad.yaml"
contains "fdb line:col" "$WORK/out" "bad.yaml:5:38: error: an fdb entry needs mac and dst"
printf 'topology: bad\nnamespaces:\n  host:\n    interfaces:\n      v: {type: vxlan, vni: 1, df: maybe}\n' >"$WORK/bad2.yaml"
rc 1 "bad df" "$TOPO" apply "$WORK/bad2.yaml"
contains "df line:col" "$WORK/out" "bad2.yaml:5:36: error: unknown df 'maybe' (accepted: unset, set, inherit)"

ok "destroy" "$TOPO" destroy "$WORK/v2.yaml"
settled_like "$WORK/before" "$WORK/after"
same_snapshot "destroy" "$WORK/before" "$WORK/after"
eq "foreign vxlan's fdb untouched" "$(fdbs host fvx)" "$fvx_fdb"
done_ok
