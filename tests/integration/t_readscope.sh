# What topo leaves unread, attacked. In its own namespaces topo reads rules,
# nexthops and neighbours only where the file declares some or the state
# file says some may be there (written before any is added), and the read
# that verifies an apply covers only the namespaces the steps touched. Each
# shortcut must still find what is ours: objects of an earlier file version,
# those of an apply killed at every step, those a record of an older topo
# (no "kinds") cannot account for; show lists everything; an edit of one
# address converges with one namespace read again.
. "$(dirname "$0")/lib.sh"

cat >"$WORK/v1.yaml" <<'EOF'
topology: scope
namespaces:
  a:
    interfaces:
      eth0: {addresses: [10.60.0.1/24]}
  b:
    interfaces:
      eth0: {addresses: [10.60.0.2/24]}
links:
  - [a:eth0, b:eth0]
EOF
cat >"$WORK/v2.yaml" <<'EOF'
topology: scope
namespaces:
  a:
    interfaces:
      eth0: {addresses: [10.60.0.1/24]}
    nexthops:
      - {id: 7, via: 10.60.0.2, dev: eth0}
    routes:
      - {to: 10.61.0.0/24, nhid: 7}
    rules:
      - {priority: 100, from: 10.60.0.0/24, table: main}
  b:
    interfaces:
      eth0: {addresses: [10.60.0.2/24]}
    neighbours:
      - {ip: 10.60.0.9, lladdr: "02:00:00:00:60:09", dev: eth0}
links:
  - [a:eth0, b:eth0]
EOF
ours() { # what topo may have put in a and b: rules, nexthops and permanent neighbours with protocol 149
	echo "rules: $(nsx a ip -d -j rule show | jq -c '[.[] | select(.protocol == "149") | .priority]')"
	echo "nexthops: $(nsx a ip -j nexthop show | jq -c '[.[].id]')"
	echo "neigh: $(nsx b ip -j neigh show nud permanent | jq -c '[.[].dst]')"
}
none=$'rules: []\nnexthops: []\nneigh: []'
kinds() { jq -c --arg n "$1" '.namespaces[] | select(.name == $n) | .kinds' /run/topo/scope.json; }

ok "apply v1" "$TOPO" apply "$WORK/v1.yaml"
eq "v1: a records no kinds" "$(kinds a)" '[]'
eq "v1: nothing of ours" "$(ours)" "$none"
ok "apply v2" "$TOPO" apply "$WORK/v2.yaml"
eq "v2: objects" "$(ours)" $'rules: [100]\nnexthops: [7]\nneigh: ["10.60.0.9"]'
eq "v2: a records rules and nexthops" "$(kinds a | jq -c 'sort')" '["nexthops","rules"]'
eq "v2: b records neighbours" "$(kinds b)" '["neighbours"]'
rc 0 "v2 converged" "$TOPO" diff "$WORK/v2.yaml"

# The file drops them: the record says where they were, so they are read and removed.
ok "back to v1" "$TOPO" apply "$WORK/v1.yaml"
eq "v1 again: all removed" "$(ours)" "$none"
eq "v1 again: the record forgets them" "$(kinds a)" '[]'
rc 0 "v1 converged" "$TOPO" diff "$WORK/v1.yaml"

# An apply of v2 killed at every step, then v1: whatever the killed run had
# added is found (its intent was recorded first) and removed.
settled "$WORK/v1-snap"
k=1
while :; do
	got=0
	TOPO_KILL_AT_STEP=$k "$TOPO" apply "$WORK/v2.yaml" >"$WORK/out" 2>&1 || got=$?
	(( got != 0 )) || break   # k past the last step: v2 applied whole
	(( got == 137 )) || { cat "$WORK/out" >&2; fail "kill at step $k: exit $got, want 137 (SIGKILL)"; }
	ok "after a kill at step $k: v1" "$TOPO" apply "$WORK/v1.yaml"
	eq "after a kill at step $k: nothing of ours" "$(ours)" "$none"
	settled_like "$WORK/v1-snap" "$WORK/v1-after"
	same_snapshot "after a kill at step $k" "$WORK/v1-snap" "$WORK/v1-after"
	k=$((k + 1))
	(( k < 40 )) || fail "v2 still killed at step 40"
done
(( k > 3 )) || fail "v2 had only $((k - 1)) steps to kill at"
eq "v2 applied whole" "$(ours)" $'rules: [100]\nnexthops: [7]\nneigh: ["10.60.0.9"]'

# A record of an older topo says nothing of kinds: everything is read there.
jq 'del(.namespaces[].kinds)' /run/topo/scope.json >"$WORK/old.json"
cp "$WORK/old.json" /run/topo/scope.json
ok "v1 over an older record" "$TOPO" apply "$WORK/v1.yaml"
eq "older record: all removed" "$(ours)" "$none"
eq "older record: rewritten with kinds" "$(kinds a)" '[]'

# show reads every kind, also where topo does not: in b, which never declared
# a rule, one made by hand with topo's protocol is shown (b is topo's
# namespace, so it counts as topo's). diff and apply leave it, and a foreign
# one, alone: topo never put rules in b.
nsx b ip rule add pref 300 from 10.62.0.0/24 table main
nsx b ip rule add pref 301 from 10.63.0.0/24 table main protocol 149
"$TOPO" show "$WORK/v1.yaml" >"$WORK/show.txt"
contains "show lists the rule with topo's protocol" "$WORK/show.txt" "10.63.0.0/24"
rc 0 "rules in b are no drift" "$TOPO" diff "$WORK/v1.yaml"
ok "apply leaves them" "$TOPO" apply "$WORK/v1.yaml"
eq "both rules kept" "$(nsx b ip -j rule show | jq -c '[.[] | select(.priority == 300 or .priority == 301) | .priority]')" '[300,301]'
nsx b ip rule del pref 300
nsx b ip rule del pref 301

# One address edited: the verification reads a again (and converges), b is kept.
sed 's#10.60.0.1/24#10.60.0.3/24#' "$WORK/v1.yaml" >"$WORK/edit.yaml"
ok "edit one address" "$TOPO" apply "$WORK/edit.yaml"
contains "edit: one change" "$WORK/out" "applied: "
has_addr a eth0 10.60.0.3/24 || fail "edit: a lacks 10.60.0.3/24"
rc 0 "edit converged" "$TOPO" diff "$WORK/edit.yaml"
expect_ping b 10.60.0.3

ok "destroy" "$TOPO" destroy "$WORK/edit.yaml"
[ -z "$(ip netns list)" ] || fail "destroy left namespaces: $(ip netns list)"
done_ok
