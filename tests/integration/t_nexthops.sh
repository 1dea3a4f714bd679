# Nexthop objects and groups (nexthops:) and routes through them (nhid:)
# against the kernel: applied with protocol 149, converged, ECMP over both
# uplinks, drift by hand (a group deleted, which takes its route; weights
# changed) repaired, a foreign nexthop untouched / a conflict when declared
# / marked in place by --adopt, a failure at every step rolled back to an
# identical snapshot, destroy leaves the kernel as it was.
. "$(dirname "$0")/lib.sh"
F=$TOPOLOGIES/policy-ecmp.yaml
nhs() { nsx r ip -j nexthop show | jq -c '[.[] | {id, gateway, dev, group: ([.group[]? | "\(.id)/\(.weight // 1)"] | join(",")), protocol}] | sort_by(.id)'; }

settled "$WORK/empty"
ok "apply" "$TOPO" apply "$F"
eq "nexthops" "$(nhs)" '[{"id":1,"gateway":"10.0.1.2","dev":"up1","group":"","protocol":"149"},{"id":2,"gateway":"10.0.2.2","dev":"up2","group":"","protocol":"149"},{"id":10,"gateway":null,"dev":null,"group":"1/1,2/1","protocol":"149"}]'
eq "route through the group" "$(nsx r ip -j route show 192.0.2.0/24 | jq -r '.[0].nhid')" 10
rc 0 "converged" "$TOPO" diff "$F"
expect_ping r 192.0.2.1

# ECMP: flows (layer-4 hash) go out of both uplinks.
devs=$(for p in $(seq 1000 1063); do nsx r ip -j route get 192.0.2.1 ipproto udp sport "$p" dport 53 | jq -r '.[0].dev'; done | sort -u | tr '\n' ' ')
eq "both uplinks used" "$devs" "up1 up2 "
# A member's link down: traffic still flows through the other.
nsx isp1 ip link set eth0 down
expect_ping r 192.0.2.1
nsx isp1 ip link set eth0 up

# Drift: the group deleted by hand (the kernel deletes its route too).
nsx r ip nexthop del id 10
[ -z "$(nsx r ip -j route show 192.0.2.0/24 | jq -r '.[0].dst // empty')" ] || fail "route survived its nexthop"
rc 2 "drift seen" "$TOPO" diff "$F"
contains "group missing" "$WORK/out" "+ nexthop add id 10 group 1/2 netns r"
contains "route missing" "$WORK/out" "+ route add 192.0.2.0/24 nhid 10 netns r"
ok "repair" "$TOPO" apply "$F"
rc 0 "converged after repair" "$TOPO" diff "$F"
expect_ping r 192.0.2.1
# Drift: weights changed by hand, in place.
nsx r ip nexthop replace id 10 group 1,3/2 proto 149
rc 2 "weights drift" "$TOPO" diff "$F"
contains "group replaced" "$WORK/out" "~ nexthop replace id 10 group 1/2 netns r"
ok "repair weights" "$TOPO" apply "$F"
eq "weights back" "$(nhs)" '[{"id":1,"gateway":"10.0.1.2","dev":"up1","group":"","protocol":"149"},{"id":2,"gateway":"10.0.2.2","dev":"up2","group":"","protocol":"149"},{"id":10,"gateway":null,"dev":null,"group":"1/1,2/1","protocol":"149"}]'

# A foreign nexthop is left alone; declared, it is a conflict; --adopt
# marks it in place (the route using it stays).
nsx r ip nexthop add id 50 via 10.0.2.2 dev up2
nsx r ip route add 203.0.113.0/24 nhid 50 proto zebra   # a daemon's route: not topo's even here
rc 0 "foreign nexthop ignored" "$TOPO" diff "$F"
sed 's#      - {id: 10, group: \[{id: 1}, {id: 2}\]}#&\n      - {id: 50, via: 10.0.2.2, dev: up2}#' "$F" >"$WORK/fifty.yaml"
grep -q "id: 50" "$WORK/fifty.yaml" || fail "sed did not add the nexthop"
settled "$WORK/before-50"
rc 1 "declared foreign: refused" "$TOPO" apply "$WORK/fifty.yaml"
contains "declared foreign: named" "$WORK/out" "a nexthop with the same key exists in namespace r and is not topo's"
settled_like "$WORK/before-50" "$WORK/after-50"
same_snapshot "declared foreign: nothing changed" "$WORK/before-50" "$WORK/after-50"
ok "--adopt" "$TOPO" apply --adopt "$WORK/fifty.yaml"
eq "adopted in place" "$(nsx r ip -j nexthop show id 50 | jq -r '.[0].protocol')" 149
eq "its route stays" "$(nsx r ip -j route show 203.0.113.0/24 | jq -r '.[0].nhid')" 50
nsx r ip route del 203.0.113.0/24
ok "destroy" "$TOPO" destroy "$WORK/fifty.yaml"
settled_like "$WORK/empty" "$WORK/after-destroy"
same_snapshot "destroy leaves the kernel as it was" "$WORK/empty" "$WORK/after-destroy"

# Bad input: exact positions, nothing applied.
printf 'topology: bad\nnamespaces:\n  x:\n    nexthops:\n      - {id: 1, group: [{id: 2}]}\n    routes:\n      - {to: 10.0.0.0/8, nhid: 9}\n' >"$WORK/bad.yaml"
rc 1 "bad nexthops" "$TOPO" apply "$WORK/bad.yaml"
contains "member unknown" "$WORK/out" "bad.yaml:5:9: error: group member 2 is not a nexthop of namespace x"
contains "nhid unknown" "$WORK/out" "bad.yaml:7:9: error: route nhid 9 is not a nexthop of namespace x"
! ip netns list | grep -qw x || fail "bad file created a namespace"

# A failure at every step rolls back exactly: fresh, then an update (a
# member moves to another gateway, the group loses a member and gains
# weight, a blackhole nexthop comes, the route moves to another nexthop).
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
ok "apply v1" "$TOPO" apply "$F"
sed -e 's#{id: 2, via: 10.0.2.2, dev: up2}#{id: 2, via: 10.0.1.2, dev: up1}#' \
    -e 's#{id: 10, group: \[{id: 1}, {id: 2}\]}#{id: 10, group: [{id: 2, weight: 3}]}\n      - {id: 20, blackhole: true}\n      - {id: 30, group: [{id: 1}]}#' \
    -e 's#{to: 192.0.2.0/24, nhid: 10}#{to: 192.0.2.0/24, nhid: 30}#' "$F" >"$WORK/v2.yaml"
rc 2 "v2 differs" "$TOPO" diff "$WORK/v2.yaml"
every_k "$WORK/v2.yaml" "update"
ok "apply v2" "$TOPO" apply "$WORK/v2.yaml"
rc 0 "v2 converged" "$TOPO" diff "$WORK/v2.yaml"
expect_ping r 192.0.2.1
ok "destroy v2" "$TOPO" destroy "$WORK/v2.yaml"
settled_like "$WORK/empty" "$WORK/after-v2"
same_snapshot "destroy after v2" "$WORK/empty" "$WORK/after-v2"
done_ok
