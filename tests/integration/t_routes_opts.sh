# Route options: onlink (a gateway on no subnet of the link), mtu and advmss
# (RTA_METRICS), scope. Applied as declared (ip -j -d route), converged, the
# onlink route carries pings, each option drifted by hand is repaired by a
# replace, foreign routes stay, export writes the options back, rollback at
# every step and destroy leave the kernel as it was.
. "$(dirname "$0")/lib.sh"
F=$WORK/opts.yaml
cat >"$F" <<'YAML'
topology: ropts
namespaces:
  r:
    interfaces:
      eth0: {addresses: [10.6.0.1/24, "fd06::1/64"]}
    routes:
      # c's address is on no subnet of r either: reached on the link.
      - {to: 10.5.0.2/32, dev: eth0, scope: link}
      - {to: 10.4.0.0/24, dev: eth0, scope: host}
      - {to: "fd05::/64", via: "fe80::2", dev: eth0, onlink: true, mtu: 1300}
  c:
    interfaces:
      eth0: {addresses: [10.5.0.2/24], mac: "02:00:00:00:00:02"}
    routes:
      - {to: default, via: 10.6.0.1, dev: eth0, onlink: true, mtu: 1400, advmss: 1360}
      - {to: 10.3.0.0/24, via: 10.6.0.1, dev: eth0, onlink: true, metric: 7, table: 100}
links:
  - [r:eth0, c:eth0]
YAML
# Foreign, in host: routes of every new kind, never touched.
ip link add fv0 type veth peer fv1
ip link set fv0 up
ip link set fv1 up
ip route add 10.46.0.0/24 via 10.47.0.2 dev fv0 onlink mtu 1234 proto static
ip route add 10.48.0.0/24 dev fv0 scope host proto static
settled "$WORK/pristine"

ok "apply" "$TOPO" apply "$F"
rc 0 "converged" "$TOPO" diff "$F"
R() { nsx "$1" ip -j -d "${3:--4}" route show "$2" ${4:+table $4} | jq -c ".[0] | $5"; }
eq "c default: onlink" "$(R c default -4 '' '.flags')" '["onlink"]'
eq "c default: metrics" "$(R c default -4 '' '.metrics')" '[{"mtu":1400,"advmss":1360}]'
eq "c default: topo's" "$(R c default -4 '' '.protocol')" '"149"'
eq "c table 100 onlink" "$(R c 10.3.0.0/24 -4 100 '[.gateway, .metric, .flags]')" '["10.6.0.1",7,["onlink"]]'
eq "r scope host" "$(R r 10.4.0.0/24 -4 '' '.scope')" '"host"'
eq "r scope link" "$(R r 10.5.0.2 -4 '' '.scope')" '"link"'
eq "r v6 onlink mtu" "$(R r fd05::/64 -6 '' '[.gateway, .flags, .metrics]')" '["fe80::2",["onlink"],[{"mtu":1300}]]'
# Real traffic: c's gateway 10.6.0.1 is on none of c's subnets.
expect_ping c 10.6.0.1
eq "the path MTU is the route's" "$(ip netns exec c ip -j route get 10.6.0.1 | jq -c '.[0].metrics')" '[{"mtu":1400,"advmss":1360}]'
n_checks=$((n_checks + 1))
ip netns exec c ping -c 1 -w 3 -M do -s 1372 10.6.0.1 >/dev/null 2>&1 || fail "1372+28 bytes fit the 1400 route mtu"
n_checks=$((n_checks + 1))
! ip netns exec c ping -c 1 -w 2 -M do -s 1373 10.6.0.1 >/dev/null 2>&1 || fail "1401 bytes passed a 1400 route mtu with DF"
ok "show" "$TOPO" show "$F"
contains "show prints the options" "$WORK/out" "route default via 10.6.0.1 dev eth0 onlink mtu 1400 advmss 1360"
contains "show prints the scope" "$WORK/out" "route 10.4.0.0/24 dev eth0 scope host"

# Drift by hand, one option at a time; each is a replace, then converged.
drift() {
	local what=$1 want=$2; shift 2
	"$@"
	rc 2 "diff sees $what" "$TOPO" diff "$F"
	contains "$what: replace" "$WORK/out" "$want"
	ok "apply repairs $what" "$TOPO" apply "$F"
	rc 0 "converged after $what" "$TOPO" diff "$F"
}
drift "an mtu" "~ route replace default via 10.6.0.1 dev eth0 onlink mtu 1400 advmss 1360 netns c" \
	ip netns exec c ip route change default via 10.6.0.1 dev eth0 onlink mtu 1500 advmss 1360 proto 149
eq "mtu back" "$(R c default -4 '' '.metrics')" '[{"mtu":1400,"advmss":1360}]'
drift "advmss gone" "~ route replace default via 10.6.0.1 dev eth0 onlink mtu 1400 advmss 1360 netns c" \
	ip netns exec c ip route change default via 10.6.0.1 dev eth0 onlink mtu 1400 proto 149
drift "a scope" "~ route replace 10.4.0.0/24 dev eth0 scope host netns r" \
	ip netns exec r ip route change 10.4.0.0/24 dev eth0 scope link proto 149
eq "scope back" "$(R r 10.4.0.0/24 -4 '' '.scope')" '"host"'
drift "a v6 mtu" "~ route replace fd05::/64 via fe80::2 dev eth0 onlink mtu 1300 netns r" \
	ip netns exec r ip -6 route change fd05::/64 via fe80::2 dev eth0 onlink proto 149
eq "v6 mtu back" "$(R r fd05::/64 -6 '' '.metrics')" '[{"mtu":1300}]'
eq "foreign onlink untouched" "$(R host 10.46.0.0/24 -4 '' '[.protocol, .flags, .metrics]')" '["static",["onlink"],[{"mtu":1234}]]'
eq "foreign scope untouched" "$(R host 10.48.0.0/24 -4 '' '.scope')" '"host"'

ok "export" "$TOPO" export "$F"
cp "$WORK/out" "$WORK/export.yaml"
contains "export: onlink, mtu, advmss" "$WORK/export.yaml" '{to: default, via: "10.6.0.1", dev: eth0, onlink: true, mtu: 1400, advmss: 1360}'
contains "export: scope" "$WORK/export.yaml" '{to: "10.4.0.0/24", dev: eth0, scope: host}'
rc 0 "the export is converged" "$TOPO" diff "$WORK/export.yaml"

ok "destroy" "$TOPO" destroy "$F"
settled_like "$WORK/pristine" "$WORK/after"
same_snapshot "destroy leaves what it found" "$WORK/pristine" "$WORK/after"

"$TOPO" diff --json "$F" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
for k in $(seq 1 "$n"); do
	rc 1 "fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$F"
	settled_like "$WORK/pristine" "$WORK/after"
	same_snapshot "rollback after step $k of $n" "$WORK/pristine" "$WORK/after"
done
# As an update that changes every option: each replace undone exactly.
ok "apply" "$TOPO" apply "$F"
sed -e 's/mtu: 1400, advmss: 1360/mtu: 1380/' -e 's/scope: host/scope: link/' -e 's/mtu: 1300/mtu: 1290, advmss: 1200/' "$F" >"$WORK/v2.yaml"
settled "$WORK/v1"
"$TOPO" diff --json "$WORK/v2.yaml" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
eq "v2: three replaces" "$n" 3
for k in $(seq 1 "$n"); do
	rc 1 "v2: fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/v2.yaml"
	settled_like "$WORK/v1" "$WORK/after"
	same_snapshot "v2: rollback after step $k of $n" "$WORK/v1" "$WORK/after"
done
ok "apply v2" "$TOPO" apply "$WORK/v2.yaml"
eq "v2 metrics" "$(R c default -4 '' '.metrics')" '[{"mtu":1380}]'
ok "destroy" "$TOPO" destroy "$WORK/v2.yaml"
settled_like "$WORK/pristine" "$WORK/after"
same_snapshot "destroy after v2" "$WORK/pristine" "$WORK/after"
done_ok
