# One file across three hosts. Each simulated host is a network namespace
# with its own mount namespace (its own /run, so its own /run/netns and
# /run/topo), its underlay eth0 a port of one bridge in the sandbox. Each
# runs `topo apply --node X` of the same file: cross-host pings and TCP over
# the stretched bridge and the cross-host link, a DF ping of MTU-28 bytes
# passes and MTU-27 does not, a second apply changes nothing, a link that
# changes node moves its tunnel, a failed apply rolls back that host only,
# destroy on each leaves no vxlan and each host as it was.
. "$(dirname "$0")/lib.sh"
F=$TOPOLOGIES/seed001-overlay.yaml
. "$(dirname "$0")/nodes-lib.sh"
eq "hosts see their own /run/netns" "$(hx a ls /run/netns | wc -l)" 0

# graph needs no kernel: nodes as clusters, tunnels between them.
ok "graph" "$TOPO" graph "$F"
eq "a cluster per node" "$(grep -c 'cluster_node_' "$WORK/out")" 3
eq "stretched bridge drawn to b and c" "$(grep -c '"a/mybr0" -- "[bc]/mybr0".*stretched' "$WORK/out")" 2
contains "the cross-host link is a tunnel" "$WORK/out" '"netns_A/eth1" -- "netns_C/eth1" [penwidth=2, style=bold, color="#1a73e8", label="vxlan vni'

# --node picks the slice; without it, the host's underlay address does.
rc 2 "diff --node a" hx a "$TOPO" diff --node a "$F"
contains "a's slice: the stretched bridge's tunnel" "$WORK/out" "type vxlan id"
contains "a's slice: the tunnel to c" "$WORK/out" "remote 10.10.0.3 local 10.10.0.1 dev eth0 dstport 4789 mtu 1450"
rc 1 "unknown node" hx a "$TOPO" diff --node z "$F"
contains "unknown node named" "$WORK/out" "no node 'z'"
rc 1 "no node is local in the sandbox" "$TOPO" diff "$F"
contains "no local node said" "$WORK/out" "no node of"
rc 1 "--node on a single-host file" "$TOPO" diff --node a "$TOPOLOGIES/seed001-bridge.yaml"
# show's --netns (no file) and --name take no --node: refused, not ignored.
rc 1 "show --netns with --node" "$TOPO" show --netns netns_A --node a
contains "--node needs the file" "$WORK/out" "--node a goes with a FILE"
rc 1 "destroy --name with --node" "$TOPO" destroy --name seed001-overlay --node a

# A foreign device with a tunnel's exact name: a conflict, nothing applied.
vxname=$(hx a "$TOPO" diff --node a "$F" | grep -o 'link add vxlan[0-9]* type vxlan id [0-9]* local' | awk '{print $3}' || true)
[ -n "$vxname" ] || fail "no stretched port in a's plan"
hx a ip link add "$vxname" type bridge
snap a "$WORK/foreign-a"
rc 1 "apply on a with a foreign $vxname" hx a "$TOPO" apply --node a "$F"
contains "the conflict names it" "$WORK/out" "$vxname"
snap a "$WORK/foreign-a2"
same_snapshot "nothing applied on a" "$WORK/foreign-a" "$WORK/foreign-a2"
hx a ip link del "$vxname"

# Every step of c's plan failing in turn: c rolls back to exactly what it
# was (its stretched port with its flood entries, its half of the tunnel).
n=$(hx c "$TOPO" diff --json --node c "$F" | jq '.steps | length' || true)
[ "$n" -gt 5 ] || fail "c's plan too small ($n steps)"
for k in $(seq 1 "$n"); do
	rc 1 "c fails at step $k" env TOPO_FAIL_AT_STEP=$k nsenter -t "${PID[c]}" -m -n -- "$TOPO" apply --node c "$F"
	contains "c: step $k rolled back" "$WORK/out" "rolled back"
	snap_like c "$WORK/before-c" "$WORK/rb-c"
	same_snapshot "c: rollback after step $k of $n" "$WORK/before-c" "$WORK/rb-c"
done

ok "apply on a" hx a "$TOPO" apply --node a "$F"
ok "apply on b" hx b "$TOPO" apply --node b "$F"
ok "apply on c (node found by its address)" hx c "$TOPO" apply "$F"

# The kernel, independently.
# The stretched bridge: on each host a vxlan port with learning off and one
# all-zeros FDB entry per other host (head-end replication).
vxport() { hx "$1" ip -j -d link show type vxlan | jq -r '[.[] | select(.master == "mybr0")][0]'; }
eq "one vni on every host" "$(for h in $HOSTS; do vxport $h | jq -r .linkinfo.info_data.id; done | sort -u | wc -l)" 1
eq "a's port: local, no remote, port 4789, no learning" \
	"$(vxport a | jq -r '.linkinfo.info_data | "\(.local) \(.remote // "none") \(.port) \(.learning)"')" "10.10.0.1 none 4789 false"
eq "a floods to b and c" "$(hx a bridge -j fdb show dev "$(vxport a | jq -r .ifname)" | jq -r '[.[] | select(.mac == "00:00:00:00:00:00") | .dst] | sort | join(",")')" "10.10.0.2,10.10.0.3"
eq "b floods to a and c" "$(hx b bridge -j fdb show dev "$(vxport b | jq -r .ifname)" | jq -r '[.[] | select(.mac == "00:00:00:00:00:00") | .dst] | sort | join(",")')" "10.10.0.1,10.10.0.3"
eq "a's tunnel to c" "$(hx a ip -j -d link show type vxlan | jq -r '[.[] | select(.master != "mybr0")][0].linkinfo.info_data | "\(.remote) \(.local)"')" "10.10.0.3 10.10.0.1"
eq "the tunnels carry the mark" "$(hx a ip -j -d link show type vxlan | jq -r '[.[].ifalias] | unique | join(",")')" "topo:seed001-overlay"
eq "overlay mtu on netns_A" "$(hx a ip netns exec netns_A ip -j link show eth0 | jq -r '.[0].mtu')" 1450
eq "the state file has the same name on each host" "$(for h in $HOSTS; do hx $h ls /run/topo; done | grep -c '^seed001-overlay.json$')" 3

hping() { n_checks=$((n_checks + 1)); hx "$1" ip netns exec "$2" ping -c 1 -i 0.5 -w 3 "${@:4}" "$3" >/dev/null 2>&1 || fail "ping from $1/$2 to $3 ${*:4} failed"; }
hnoping() { n_checks=$((n_checks + 1)); ! hx "$1" ip netns exec "$2" ping -c 1 -w 2 "${@:4}" "$3" >/dev/null 2>&1 || fail "ping from $1/$2 to $3 ${*:4} passed"; }
hping a netns_A 172.18.0.3
hping a netns_A 172.18.0.4
hping b netns_B 172.18.0.4
hping c netns_C 172.18.0.3
hping b netns_B 172.18.0.2
hping b netns_B 172.18.0.1
hping c netns_C 10.99.0.1
hping a netns_A 10.99.0.2
# DF at the overlay mtu: 1450 - 28 passes, 1450 - 27 cannot leave.
hping a netns_A 172.18.0.3 -M do -s 1422
hnoping a netns_A 172.18.0.3 -M do -s 1423
hping c netns_C 10.99.0.1 -M do -s 1422
hnoping c netns_C 10.99.0.1 -M do -s 1423
hping b netns_B 172.18.0.4 -M do -s 1422
hnoping b netns_B 172.18.0.4 -M do -s 1423

# Drift by hand: an FDB entry removed is put back (appended; the port stays).
vx=$(vxport a | jq -r .ifname)
hx a bridge fdb del 00:00:00:00:00:00 dev "$vx" dst 10.10.0.3
rc 2 "diff sees the missing flood entry" hx a "$TOPO" diff --node a "$F"
contains "the entry is appended" "$WORK/out" "+ fdb append 00:00:00:00:00:00 dev $vx dst 10.10.0.3"
lacks "the port is not replaced" "$WORK/out" "link add $vx"
lacks "the other entry is left alone" "$WORK/out" "dst 10.10.0.2"
ok "apply repairs it" hx a "$TOPO" apply --node a "$F"
hping a netns_A 172.18.0.4

# TCP across hosts: a listener on b's netns_B, a client on a's netns_A.
hx b ip netns exec netns_B bash -c 'exec nc -v -l -n 7000 < <(echo hello-from-b; sleep 30)' >"$WORK/listen.log" 2>&1 &
for _ in $(seq 50); do hx b ip netns exec netns_B ss -Hltn "sport = :7000" | grep -q . && break; sleep 0.05; done
eq "tcp across hosts" "$(hx a ip netns exec netns_A nc -n -w 3 172.18.0.3 7000 </dev/null)" hello-from-b
contains "received from netns_A's address" "$WORK/listen.log" "Connection received on 172.18.0.2 "

ok "show on b" hx b "$TOPO" show --json --node b "$F"
eq "b shows its stretched port, no drift" "$(jq -r '[.namespaces[] | select(.name == "host") | .interfaces[] | select(.type == "vxlan") | "\(.master) \(.drift)"] | join(",")' "$WORK/out")" "mybr0 false"

# topo check --node runs the checks whose from is on that node.
ok "check on a" hx a "$TOPO" check --node a "$F"
contains "a's df check at the boundary" "$WORK/out" "size 1423 df"
lacks "not b's checks" "$WORK/out" "from netns_B"
ok "check on c" hx c "$TOPO" check --node c "$F"
contains "c's checks" "$WORK/out" "from netns_C"

for h in $HOSTS; do
	ok "second apply on $h" hx "$h" "$TOPO" apply --node "$h" "$F"
	contains "second apply on $h changes nothing" "$WORK/out" "no changes"
done

# A node's apply failing midway rolls back that node only.
sed 's/10.99.0.2\/30/10.99.0.6\/30/; s/10.99.0.1\/30/10.99.0.5\/30/' "$F" >"$WORK/readdr.yaml"
for h in $HOSTS; do snap "$h" "$WORK/up-$h"; done
rc 1 "a's apply fails at step 2" env TOPO_FAIL_AT_STEP=2 nsenter -t "${PID[a]}" -m -n -- "$TOPO" apply --node a "$WORK/readdr.yaml"
contains "rolled back" "$WORK/out" "rolled back"
for h in $HOSTS; do snap_like "$h" "$WORK/up-$h" "$WORK/rb-$h"; same_snapshot "after a's failed apply, host $h" "$WORK/up-$h" "$WORK/rb-$h"; done

# A link that changes node moves its tunnel: netns_C goes from c to b.
# (vethC moves along, as b's.)
awk '/^  netns_C:/ {c=1} c && /node: c/ {sub(/node: c/, "node: b"); c=0}
     /^  c:  / {skip=1; next} skip && /^  [a-z_]/ {skip=0} skip {next}
     /^  b:  / {print; getline; print; getline; print; print "      vethC: {master: mybr0}"; next}
     {sub(/\[c:vethC/, "[b:vethC"); print}' "$F" >"$WORK/moved.yaml"
ok "moved file validates" "$TOPO" validate "$WORK/moved.yaml"
for h in $HOSTS; do ok "apply moved on $h" hx "$h" "$TOPO" apply --node "$h" "$WORK/moved.yaml"; done
eq "c has no tunnel left" "$(hx c ip -j link show type vxlan | jq length)" 0
eq "c has no namespace left" "$(hx c ip netns list | wc -l)" 0
eq "a's port now floods to b only" "$(vxport a | jq -r '.linkinfo.info_data.remote')" 10.10.0.2
eq "a's tunnel now goes to b" "$(hx a ip -j -d link show type vxlan | jq -r '[.[] | select(.master != "mybr0")][0].linkinfo.info_data.remote')" 10.10.0.2
hping b netns_C 10.99.0.1
hping a netns_A 10.99.0.2 -M do -s 1422
ok "back to c: b" hx b "$TOPO" apply --node b "$F"
ok "back to c: c" hx c "$TOPO" apply --node c "$F"
ok "back to c: a" hx a "$TOPO" apply --node a "$F"
# Two nodes to three: the point-to-point port (remote b) cannot become a
# head-end one in place; it is replaced: no remote, learning off, both entries.
eq "a's port back to head-end" "$(vxport a | jq -r '.linkinfo.info_data | "\(.remote // "none") \(.learning)"')" "none false"
eq "a floods to b and c again" "$(hx a bridge -j fdb show dev "$(vxport a | jq -r .ifname)" | jq -r '[.[] | select(.mac == "00:00:00:00:00:00") | .dst] | sort | join(",")')" "10.10.0.2,10.10.0.3"
ok "back to c: a again" hx a "$TOPO" apply --node a "$F"
contains "back to c: a settled" "$WORK/out" "no changes"
hping c netns_C 10.99.0.1

for h in $HOSTS; do
	ok "destroy on $h" hx "$h" "$TOPO" destroy --node "$h" "$F"
	eq "no vxlan left on $h" "$(hx "$h" ip -j link show type vxlan | jq length)" 0
	snap_like "$h" "$WORK/before-$h" "$WORK/after-$h"
	same_snapshot "destroy leaves host $h as it was" "$WORK/before-$h" "$WORK/after-$h"
done

# An IPv6 underlay: the tunnels' headers are 20 bytes longer, the overlay
# mtu is 1500 - 70 = 1430: an IPv4 DF ping of 1402 passes, 1403 cannot.
sed 's|underlay: 10\.10\.0\.\([0-9]\)/24|underlay: "fd00:10::\1/64"|' "$F" >"$WORK/v6.yaml"
for h in $HOSTS; do ok "v6 underlay apply on $h" hx "$h" "$TOPO" apply --node "$h" "$WORK/v6.yaml"; done
eq "a's port over IPv6" "$(vxport a | jq -r '.linkinfo.info_data | "\(.local6) \(.learning)"')" "fd00:10::1 false"
eq "a floods to b and c over IPv6" "$(hx a bridge -j fdb show dev "$(vxport a | jq -r .ifname)" | jq -r '[.[] | select(.mac == "00:00:00:00:00:00") | .dst] | sort | join(",")')" "fd00:10::2,fd00:10::3"
eq "overlay mtu over IPv6" "$(hx a ip netns exec netns_A ip -j link show eth0 | jq -r '.[0].mtu')" 1430
hping a netns_A 172.18.0.3
hping c netns_C 10.99.0.1
hping b netns_B 172.18.0.4 -M do -s 1402
hnoping b netns_B 172.18.0.4 -M do -s 1403
hping a netns_A 10.99.0.2 -M do -s 1402
hnoping a netns_A 10.99.0.2 -M do -s 1403
for h in $HOSTS; do
	ok "v6 second apply on $h" hx "$h" "$TOPO" apply --node "$h" "$WORK/v6.yaml"
	contains "v6 second apply on $h changes nothing" "$WORK/out" "no changes"
done
for h in $HOSTS; do
	ok "v6 destroy on $h" hx "$h" "$TOPO" destroy --node "$h" "$WORK/v6.yaml"
	snap_like "$h" "$WORK/before-$h" "$WORK/after-$h"
	same_snapshot "v6 destroy leaves host $h as it was" "$WORK/before-$h" "$WORK/after-$h"
done

# host-gw: routes to the other hosts' subnets via their underlay addresses.
G=$TOPOLOGIES/seed001-hostgw.yaml
for h in $HOSTS; do ok "host-gw apply on $h" hx "$h" "$TOPO" apply --node "$h" "$G"; done
eq "a's route to b's subnet" "$(hx a ip -j route show 172.18.2.0/24 | jq -r '.[0] | "\(.gateway) \(.dev) \(.protocol)"')" "10.10.0.2 eth0 149"
hping a netns_A 172.18.2.2
hping a netns_A 172.18.3.2
hping c netns_C 172.18.2.2
hping a netns_A 172.18.2.2 -M do -s 1472
hnoping a netns_A 172.18.2.2 -M do -s 1473
eq "no tunnel in host-gw" "$(for h in $HOSTS; do hx $h ip -j link show type vxlan | jq length; done | sort -u)" 0
ok "host-gw check on b" hx b "$TOPO" check --node b "$G"
for h in $HOSTS; do
	ok "host-gw second apply on $h" hx "$h" "$TOPO" apply --node "$h" "$G"
	contains "host-gw second apply on $h changes nothing" "$WORK/out" "no changes"
done
for h in $HOSTS; do
	ok "host-gw destroy on $h" hx "$h" "$TOPO" destroy --node "$h" "$G"
	snap_like "$h" "$WORK/before-$h" "$WORK/after-$h"
	same_snapshot "host-gw destroy leaves host $h as it was" "$WORK/before-$h" "$WORK/after-$h"
done
done_ok
