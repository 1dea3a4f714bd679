# What topo leaves unread, attacked. In its own namespaces topo reads rules,
# nexthops and neighbours only where the file declares some or the state
# file says some may be there (written before any is added), and the read
# that verifies an apply covers only the namespaces the steps touched. Each
# shortcut must still find what is ours: objects of an earlier file version,
# those of an apply killed at every step, those a record of an older topo
# (no "kinds") cannot account for; show lists everything; an edit of one
# address converges with one namespace read again; host read again beside
# kept namespaces settles their pairs without asking host for ids, and sees
# a kept pair's end moved away between the reads.
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

# A namespace added: host is read again, the others are kept. Each kept
# pair's host end is settled by the namespace id learned in the first read
# (RTM_GETNSID from host scans an id for every namespace: asked per pair, a
# thousand-namespace lab paid a million steps): one ask per namespace read
# from its own side, none from host. The shortcut must not be a blind spot:
# a kept namespace's end moved elsewhere between the two reads is seen (its
# host end names another namespace id) and the pair made again.
peers() { # N: host bridge, hp0..hp(N-1) on it, each the peer of pK:eth0
	echo "topology: peers"
	echo "namespaces:"
	echo "  host:"
	echo "    interfaces:"
	echo "      br9: {type: bridge, addresses: [10.64.0.1/24]}"
	for ((i = 0; i < $1; i++)); do echo "      hp$i: {master: br9}"; done
	for ((i = 0; i < $1; i++)); do
		printf '  p%d:\n    interfaces:\n      eth0: {addresses: [10.64.0.%d/24]}\n' "$i" $((10 + i))
	done
	echo "links:"
	for ((i = 0; i < $1; i++)); do echo "  - [host:hp$i, p$i:eth0]"; done
}
peers 3 >"$WORK/p3.yaml"
peers 4 >"$WORK/p4.yaml"
peers 5 >"$WORK/p5.yaml"
ok "peers: three" "$TOPO" apply "$WORK/p3.yaml"
ok "peers: a fourth, under strace" env ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -qq -o "$WORK/nsid.strace" -e trace=sendto "$TOPO" apply "$WORK/p4.yaml"
asks=$(grep -c 'RTM_GETNSID\|nlmsg_type=0x5a' "$WORK/nsid.strace" || true)
# 3 in the first read (p0..p2), 1 in the verification (p3); host's ends none.
(( asks <= 4 )) || fail "peers: $asks namespace-id requests for a fourth namespace, want at most 4"
rc 0 "peers: four converged" "$TOPO" diff "$WORK/p4.yaml"
ip netns add foreign-f
TOPO_STEP_DELAY_MS=500 "$TOPO" apply "$WORK/p5.yaml" >"$WORK/p5.out" 2>&1 &
pid=$!
for ((i = 0; i < 100; i++)); do grep -q "netns add p4" "$WORK/p5.out" && break; sleep 0.05; done
grep -q "netns add p4" "$WORK/p5.out" || { cat "$WORK/p5.out" >&2; fail "peers: no plan printed in 5 s"; }
# Between the first read and the verification: p0's end leaves p0.
ip -n p0 link set eth0 netns foreign-f
got=0; wait $pid || got=$?
(( got == 0 )) || { cat "$WORK/p5.out" >&2; fail "peers: apply of a fifth exited $got"; }
contains "peers: the moved end is seen" "$WORK/p5.out" "link add hp0"
link_exists p0 eth0 || fail "peers: p0 has no eth0 after the apply"
expect_ping p0 10.64.0.1
rc 0 "peers: five converged" "$TOPO" diff "$WORK/p5.yaml"
ok "peers: destroy" "$TOPO" destroy "$WORK/p5.yaml"
eq "peers: the foreign namespace stays" "$(ip netns list | awk '{print $1}')" "foreign-f"
ip netns del foreign-f
done_ok
