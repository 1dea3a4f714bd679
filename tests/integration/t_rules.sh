# Policy routing rules (rules:) against the kernel: applied with protocol
# 149, converged, traffic follows the table a rule selects, the kernel's
# default `lookup local` moved (replace_default) and put back by destroy,
# drift by hand repaired, foreign rules (a twin of a declared one included)
# never touched, a failure at every step of a fresh apply and of an update
# rolled back to an identical `ip -j rule` / route / nexthop snapshot.
. "$(dirname "$0")/lib.sh"
F=$TOPOLOGIES/policy-ecmp.yaml
rules() { nsx "$1" ip -d -j rule show | jq -c "[.[] | {priority, src: (.src // \"all\"), table: (.table // .action // \"\"), protocol}]"; }

settled "$WORK/empty"
host_rules=$(rules host)
ok "apply" "$TOPO" apply "$F"
eq "rules of r" "$(rules r)" '[{"priority":10,"src":"all","table":"local","protocol":"149"},{"priority":100,"src":"10.1.0.0","table":"100","protocol":"149"},{"priority":200,"src":"10.2.0.0","table":"200","protocol":"149"},{"priority":32766,"src":"all","table":"main","protocol":"kernel"},{"priority":32767,"src":"all","table":"default","protocol":"kernel"}]'
eq "IPv6 defaults untouched" "$(nsx r ip -6 -j rule show | jq -c '[.[].priority]')" '[0,32766]'
eq "host's rules untouched" "$(rules host)" "$host_rules"
rc 0 "converged" "$TOPO" diff "$F"

# Traffic takes the uplink its rule selects: each LAN reaches only its ISP.
expect_ping h1 198.51.100.1
expect_ping h2 198.51.100.2
expect_no_ping h1 198.51.100.2
expect_no_ping h2 198.51.100.1
# Local delivery still works through the moved lookup local (priority 10).
expect_ping r 10.1.0.1

# Drift by hand: a rule deleted, one of ours added, the moved default back.
nsx r ip rule del pref 100
nsx r ip rule add pref 150 from 10.3.0.0/24 table 100 protocol 149
nsx r ip rule add pref 0 table local protocol kernel
expect_no_ping h1 198.51.100.1
rc 2 "drift seen" "$TOPO" diff "$F"
contains "missing rule" "$WORK/out" "+ rule add pref 100 from 10.1.0.0/24 lookup 100 netns r"
contains "extra rule of ours" "$WORK/out" "- rule del pref 150 from 10.3.0.0/24 lookup 100 netns r"
contains "default displaced again" "$WORK/out" "- rule del pref 0 from all lookup local netns r"
ok "repair" "$TOPO" apply "$F"
rc 0 "converged after repair" "$TOPO" diff "$F"
expect_ping h1 198.51.100.1

# A foreign rule (no protocol 149) is left alone.
nsx r ip rule add pref 300 from 10.9.0.0/24 table 100
rc 0 "foreign rule ignored" "$TOPO" diff "$F"
ok "apply with a foreign rule" "$TOPO" apply "$F"
eq "foreign rule kept" "$(nsx r ip -d -j rule show pref 300 | jq -r '.[0].protocol')" "unspec"

# A foreign twin of a declared rule: a conflict, nothing changed; --adopt
# puts ours beside it and removes the twin.
sed 's#      - {priority: 200, from: 10.2.0.0/24, table: 200}#&\n      - {priority: 400, from: 10.8.0.0/24, table: 100}#' "$F" >"$WORK/twin.yaml"
grep -q "priority: 400" "$WORK/twin.yaml" || fail "sed did not add the rule"
nsx r ip rule add pref 400 from 10.8.0.0/24 table 100
settled "$WORK/before-twin"
rc 1 "twin: apply refuses" "$TOPO" apply "$WORK/twin.yaml"
contains "twin: named" "$WORK/out" "a rule with the same key exists in namespace r and is not topo's"
line=$(grep -n "priority: 400" "$WORK/twin.yaml" | cut -d: -f1)
contains "twin: position" "$WORK/out" "twin.yaml:$line:9: a rule with the same key"
settled_like "$WORK/before-twin" "$WORK/after-twin"
same_snapshot "twin: nothing changed" "$WORK/before-twin" "$WORK/after-twin"
ok "twin: --adopt" "$TOPO" apply --adopt "$WORK/twin.yaml"
eq "twin: only ours" "$(nsx r ip -d -j rule show pref 400 | jq -c '[.[].protocol]')" '["149"]'
rc 0 "twin: converged" "$TOPO" diff "$WORK/twin.yaml"
nsx r ip rule del pref 300

# Bad input: FILE:LINE:COL, nothing applied.
printf 'topology: bad\nnamespaces:\n  x:\n    rules:\n      - {from: 10.0.0.0/8, table: 100}\n' >"$WORK/bad.yaml"
rc 1 "no priority" "$TOPO" apply "$WORK/bad.yaml"
contains "no priority: position" "$WORK/out" "bad.yaml:5:9: error: a rule needs 'priority'"
! ip netns list | grep -qw x || fail "bad file created a namespace"

ok "destroy" "$TOPO" destroy "$WORK/twin.yaml"
settled_like "$WORK/empty" "$WORK/after-destroy"
same_snapshot "destroy leaves the kernel as it was" "$WORK/empty" "$WORK/after-destroy"

# In a namespace topo does not create (host): the moved default comes back
# on destroy exactly (priority 0, protocol kernel).
cat >"$WORK/host.yaml" <<'YAML'
topology: hostrules
namespaces:
  host:
    rules:
      - {priority: 5, table: local, replace_default: true}
      - {priority: 1000, to: 203.0.113.0/24, action: unreachable}
      - {priority: 1001, family: ipv6, fwmark: 0x10/0xff, table: 300}
YAML
ok "host rules" "$TOPO" apply "$WORK/host.yaml"
eq "host: local moved" "$(nsx host ip -j rule show | jq -c '[.[] | select(.table == "local") | .priority]')" '[5]'
rc 0 "host: converged" "$TOPO" diff "$WORK/host.yaml"
eq "host: v6 rule" "$(nsx host ip -6 -d -j rule show pref 1001 | jq -r '.[0].fwmark + "/" + .[0].fwmask + " " + .[0].table')" "0x10/0xff 300"
ok "host destroy" "$TOPO" destroy "$WORK/host.yaml"
eq "host: defaults back" "$(rules host)" "$host_rules"
settled_like "$WORK/empty" "$WORK/after-host"
same_snapshot "host destroy leaves the kernel as it was" "$WORK/empty" "$WORK/after-host"

# Two topologies with rules in host: the protocol says "topo", the state
# files say whose. Each destroy (by name, without the file) takes only its own.
printf 'topology: ha\nnamespaces:\n  host:\n    rules:\n      - {priority: 1500, from: 10.60.0.0/24, table: 60}\n' >"$WORK/ha.yaml"
printf 'topology: hb\nnamespaces:\n  host:\n    rules:\n      - {priority: 1600, from: 10.61.0.0/24, table: 61}\n' >"$WORK/hb.yaml"
ok "ha" "$TOPO" apply "$WORK/ha.yaml"
ok "hb" "$TOPO" apply "$WORK/hb.yaml"
rc 0 "ha converged beside hb" "$TOPO" diff "$WORK/ha.yaml"
rc 0 "hb converged beside ha" "$TOPO" diff "$WORK/hb.yaml"
ok "destroy hb by name" "$TOPO" destroy --name hb
eq "ha's rule stays" "$(nsx host ip -j rule show pref 1500 | jq -r '.[0].table')" 60
eq "hb's rule gone" "$(nsx host ip -j rule show pref 1600 | jq length)" 0
ok "destroy ha by name" "$TOPO" destroy --name ha
eq "host's rules as they were" "$(rules host)" "$host_rules"

# A failure at every step rolls back exactly: fresh, then an update that
# changes a rule's table, drops one, adds one with ports and a uid range,
# and gives lookup local back its default.
every_k() {
	local file=$1 label=$2 n k
	"$TOPO" diff --json "$file" >"$WORK/plan.json" || true
	n=$(jq '.steps | length' "$WORK/plan.json")
	settled "$WORK/before"
	for k in $(seq 1 "$n"); do
		rc 1 "$label: fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$file"
		contains "$label: step $k rolled back" "$WORK/out" "rolled back"
		settled_like "$WORK/before" "$WORK/after"
		same_snapshot "$label: rollback after step $k of $n" "$WORK/before" "$WORK/after"
	done
	echo "$label: $n steps, each rolled back exactly"
}
every_k "$F" "fresh"
ok "apply v1" "$TOPO" apply "$F"
sed -e 's#      - {priority: 10, table: local, replace_default: true}##' \
    -e 's#{priority: 100, from: 10.1.0.0/24, table: 100}#{priority: 100, from: 10.1.0.0/24, table: 200}#' \
    -e 's#      - {priority: 200, from: 10.2.0.0/24, table: 200}#      - {priority: 250, iif: lan2, ipproto: udp, dport: 1000-2000, uidrange: 0-100, table: 100}#' \
    "$F" >"$WORK/v2.yaml"
rc 2 "v2 differs" "$TOPO" diff "$WORK/v2.yaml"
contains "v2: default put back" "$WORK/out" "+ rule add pref 0 from all lookup local netns r  # the kernel's default, put back"
every_k "$WORK/v2.yaml" "update"
ok "apply v2" "$TOPO" apply "$WORK/v2.yaml"
rc 0 "v2 converged" "$TOPO" diff "$WORK/v2.yaml"
eq "v2: local back at 0, protocol kernel" "$(nsx r ip -d -j rule show pref 0 | jq -c '[.[] | .table + " " + .protocol]')" '["local kernel"]'
ok "destroy v2" "$TOPO" destroy "$WORK/v2.yaml"
settled_like "$WORK/empty" "$WORK/after-v2"
same_snapshot "destroy after v2" "$WORK/empty" "$WORK/after-v2"
done_ok
