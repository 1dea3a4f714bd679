# Ownership is proven by the kernel, never by a name or a record alone
# (reconcile/owner.c). Each case tries to make topo touch what is not its
# topology's, and checks the kernel with ip -j and nft -j afterwards.
. "$(dirname "$0")/lib.sh"

# Waits until process PID is in a network namespace of its own (unshare done).
wait_unshared() {
	for _ in $(seq 100); do
		[ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/$$/ns/net)" ] && return 0
		sleep 0.02
	done
	fail "process $1 did not enter a namespace of its own"
}
nft_table_json() { nsx "$1" nft -j list table inet "$2" | jq -cS '[.nftables[] | select(has("metainfo") | not)]'; }

# ---------------------------------------------------------------------------
# 1. A hand-made `inet topo-<name>` table is not topo's: apply refuses,
#    destroy --name of a topology never applied leaves it, byte for byte.
cat >"$WORK/natlab.yaml" <<'YAML'
topology: natlab
namespaces:
  host:
    sysctls: {net.ipv4.ip_forward: 1}
    nat:
      - masquerade: {source: 10.77.0.0/24, out: eth9}
YAML
nft add table inet topo-natlab
nft add chain inet topo-natlab postrouting '{ type nat hook postrouting priority 100; }'
nft add rule inet topo-natlab postrouting ip saddr 10.66.0.0/16 masquerade
nft list table inet topo-natlab >"$WORK/nft-before.txt"
nft_table_json host topo-natlab >"$WORK/nft-before.json"
snapshot "$WORK/before"
rc 1 "apply over a foreign topo-natlab table" "$TOPO" apply "$WORK/natlab.yaml"
contains "names the table" "$WORK/out" "nft table inet topo-natlab in namespace host exists and was not made by topo"
contains "nothing changed" "$WORK/out" "nothing was changed"
snapshot "$WORK/after"
same_snapshot "apply refused: nothing changed" "$WORK/before" "$WORK/after"
nft list table inet topo-natlab >"$WORK/nft-after.txt"
ok "table text identical after the refusal" cmp "$WORK/nft-before.txt" "$WORK/nft-after.txt"
rc 0 "destroy --name of a topology never applied" "$TOPO" destroy --name natlab
nft list table inet topo-natlab >"$WORK/nft-after.txt"
ok "table text identical after destroy --name" cmp "$WORK/nft-before.txt" "$WORK/nft-after.txt"
nft_table_json host topo-natlab >"$WORK/nft-after.json"
ok "table json identical after destroy --name" cmp "$WORK/nft-before.json" "$WORK/nft-after.json"
rc 0 "show --name does not list its rules" "$TOPO" show --name natlab
lacks "no foreign rule shown" "$WORK/out" "10.66.0.0/16"
rc 0 "export --name does not take its rules" "$TOPO" export --name natlab
lacks "no foreign rule exported" "$WORK/out" "10.66.0.0/16"
nft delete table inet topo-natlab
# topo's own table carries the mark, and nft shows it as the comment.
ok "apply natlab" "$TOPO" apply "$WORK/natlab.yaml"
# (nft 1.0.6's JSON leaves table comments out: the text form shows it.)
eq "the mark, as nft reads it" "$(nft list table inet topo-natlab | sed -n 's/^\tcomment "\(.*\)"$/\1/p')" \
	'topo:natlab managed by topo; changes here are undone by `topo apply`'
nft list ruleset >"$WORK/ruleset.txt"
contains "nft list shows the comment" "$WORK/ruleset.txt" 'comment "topo:natlab managed by topo'
rc 0 "converged" "$TOPO" diff "$WORK/natlab.yaml"
ok "destroy natlab" "$TOPO" destroy "$WORK/natlab.yaml"
! nft list table inet topo-natlab >/dev/null 2>&1 || fail "topo's table left behind"

# ---------------------------------------------------------------------------
# 2. Two topologies declaring the same address and routes on host's lo: the
#    second is a conflict, and its destroy leaves the first one's objects.
for lab in lab1 lab2; do
	cat >"$WORK/$lab.yaml" <<YAML
topology: $lab
namespaces:
  host:
    interfaces:
      lo: {addresses: [10.255.1.1/32]}
    routes:
      - {to: 10.126.0.0/24, dev: lo}
      - {to: 10.127.0.0/24, type: blackhole}
YAML
done
ok "apply lab1" "$TOPO" apply "$WORK/lab1.yaml"
snapshot "$WORK/before"
rc 1 "lab2 declares lab1's objects" "$TOPO" apply "$WORK/lab2.yaml"
contains "the address belongs to lab1" "$WORK/out" "address 10.255.1.1/32 on lo in namespace host belongs to topology 'lab1'"
contains "the route belongs to lab1" "$WORK/out" "10.126.0.0/24 dev lo in namespace host belongs to topology 'lab1'"
contains "the blackhole belongs to lab1" "$WORK/out" "blackhole 10.127.0.0/24 in namespace host belongs to topology 'lab1'"
rc 1 "diff lab2 says so too" "$TOPO" diff "$WORK/lab2.yaml"
ok "no state file for lab2" test ! -e /run/topo/lab2.json
rc 0 "destroy lab2" "$TOPO" destroy "$WORK/lab2.yaml"
rc 0 "destroy --name lab2" "$TOPO" destroy --name lab2
snapshot "$WORK/after"
same_snapshot "lab2's refusal and destroy changed nothing" "$WORK/before" "$WORK/after"
# show and export use the same rule as diff: another topology's lo objects are not theirs.
rc 0 "show --name lab3" "$TOPO" show --name lab3
lacks "show: not lab1's address" "$WORK/out" "10.255.1.1"
lacks "show: not lab1's route" "$WORK/out" "10.127.0.0"
rc 0 "export --name lab3" "$TOPO" export --name lab3
lacks "export: not lab1's address" "$WORK/out" "10.255.1.1"
lacks "export: not lab1's blackhole" "$WORK/out" "blackhole"
rc 0 "show lab1" "$TOPO" show "$WORK/lab1.yaml"
contains "show lab1: its address" "$WORK/out" "10.255.1.1/32"
contains "show lab1: its blackhole" "$WORK/out" "blackhole 10.127.0.0/24"
# The export/apply round: lab1's export applied under another name is refused.
rc 0 "export lab1" "$TOPO" export --name lab1
sed 's/^topology: lab1$/topology: lab4/' "$WORK/out" >"$WORK/lab4.yaml"
contains "the export has the blackhole" "$WORK/lab4.yaml" "type: blackhole"
rc 1 "lab1's export applied as lab4" "$TOPO" apply "$WORK/lab4.yaml"
contains "names lab1" "$WORK/out" "belongs to topology 'lab1'"
rc 0 "destroy --name lab4" "$TOPO" destroy --name lab4
ok "lab1's blackhole survives" has_route host 10.127.0.0/24
ok "lab1's address survives" has_addr host lo 10.255.1.1/32
ok "destroy lab1" "$TOPO" destroy "$WORK/lab1.yaml"
! has_addr host lo 10.255.1.1/32 || fail "lab1's address left behind"
! has_route host 10.127.0.0/24 || fail "lab1's blackhole left behind"
! has_route host 10.126.0.0/24 || fail "lab1's route left behind"

# ---------------------------------------------------------------------------
# 3. apply --adopt marks in place; where it would have to delete or replace
#    something, it refuses, naming it, and changes nothing.
ip netns add hand
ip netns add elsewhere
ip link add hv type veth peer name eth0 netns elsewhere     # its peer is in an undeclared namespace
ip link add kb type veth peer name kb2                      # declared as a bridge
ip -n hand link set lo up
ip -n hand route add 10.88.0.0/16 dev lo                    # undeclared in an adopted namespace
cat >"$WORK/adopt.yaml" <<'YAML'
topology: adopted
namespaces:
  host:
    interfaces:
      hv: {}
      kb: {type: bridge}
  hand:
    interfaces:
      eth0: {}
links:
  - [host:hv, hand:eth0]
YAML
snapshot "$WORK/before"
rc 1 "adopt that would delete" "$TOPO" apply --adopt "$WORK/adopt.yaml"
contains "names the veth" "$WORK/out" "apply --adopt would have to delete \`- link del hv"
contains "names the kind mismatch" "$WORK/out" "\`- link del kb"
contains "says why" "$WORK/out" "(replace: kind changed)"
contains "names the undeclared route" "$WORK/out" "route del 10.88.0.0/16"
contains "only marks" "$WORK/out" "--adopt only marks objects in place"
snapshot "$WORK/after"
same_snapshot "adopt refused: nothing changed" "$WORK/before" "$WORK/after"
eq "hv unmarked" "$(ip -j -d link show hv | jq -r '.[0].ifalias // ""')" ""
eq "hand's lo unmarked" "$(ip -n hand -j -d link show lo | jq -r '.[0].ifalias // ""')" ""
ok "hv's peer still in elsewhere" ip -n elsewhere link show eth0
ip link del hv
ip link del kb
ip netns del hand
ip netns del elsewhere

# ---------------------------------------------------------------------------
# 4. Routes a routing daemon installs are never topo's, even in namespaces
#    topo created (labs run FRR in them); a hand-added boot route is drift.
unshare --net sleep 300 &
att=$!
wait_unshared $att
A="nsenter --net=/proc/$att/ns/net"
$A ip link set lo up
cat >"$WORK/routed.yaml" <<YAML
topology: routed
namespaces:
  r1:
    interfaces:
      lo: {addresses: [10.1.1.1/32]}
      eth0: {addresses: [10.90.0.1/24]}
  att:
    pid: $att
    interfaces:
      eth0: {addresses: [10.90.0.2/24]}
links:
  - [r1:eth0, att:eth0]
YAML
ok "apply routed" "$TOPO" apply "$WORK/routed.yaml"
ip -n r1 route add 10.200.0.0/24 via 10.90.0.2 proto ospf
ip -n r1 route add 10.201.0.0/24 dev lo proto bgp
ip -n r1 route add 10.202.0.0/24 dev lo proto zebra
ip -n r1 route add 10.203.0.0/24 dev lo proto 42      # babel
ip -n r1 route add 10.204.0.0/24 dev lo               # boot: by hand, drift
$A ip route add 10.205.0.0/24 dev lo proto ospf
$A ip route add 10.206.0.0/24 via 10.90.0.1 proto ospf
rc 2 "the boot route is drift" "$TOPO" diff "$WORK/routed.yaml"
contains "to delete" "$WORK/out" "- route del 10.204.0.0/24"
lacks "not the ospf route" "$WORK/out" "10.200.0.0"
lacks "not the bgp route" "$WORK/out" "10.201.0.0"
ok "re-apply" "$TOPO" apply "$WORK/routed.yaml"
rc 0 "converged with the daemons' routes" "$TOPO" diff "$WORK/routed.yaml"
for r in 10.200.0.0/24 10.201.0.0/24 10.202.0.0/24 10.203.0.0/24; do
	ok "$r survives re-apply" has_route r1 $r
done
eq "still ospf's" "$(ip -n r1 -j route show 10.200.0.0/24 | jq -r '.[0].protocol')" ospf
! has_route r1 10.204.0.0/24 || fail "the boot route is still there"
rc 0 "show" "$TOPO" show "$WORK/routed.yaml"
lacks "show: not ospf's route" "$WORK/out" "10.200.0.0"
rc 0 "export" "$TOPO" export "$WORK/routed.yaml"
lacks "export: not ospf's route" "$WORK/out" "10.200.0.0"
# A declared route with the key of a daemon's: a conflict, not a replace.
sed 's#^      eth0: {addresses: \[10.90.0.1/24\]}$#&\n    routes:\n      - {to: 10.200.0.0/24, via: 10.90.0.2}#' "$WORK/routed.yaml" >"$WORK/routed2.yaml"
contains "the variant declares it" "$WORK/routed2.yaml" "to: 10.200.0.0/24"
rc 1 "declaring ospf's route" "$TOPO" apply "$WORK/routed2.yaml"
contains "a route with the same key" "$WORK/out" "a route with the same key (table, destination, metric) exists in namespace r1 and is not topo's"
eq "ospf's route untouched" "$(ip -n r1 -j route show 10.200.0.0/24 | jq -r '.[0].protocol')" ospf
ok "destroy routed" "$TOPO" destroy "$WORK/routed.yaml"
eq "the attached namespace's ospf route on lo survives destroy" \
	"$($A ip -j route show 10.205.0.0/24 | jq -r '.[0].protocol')" ospf
ok "topo's veth end left the attached namespace" test -z "$($A ip -j link show eth0 2>/dev/null | jq -r '.[]?.ifname')"
kill $att; wait $att 2>/dev/null || true

# ---------------------------------------------------------------------------
# 5. An attached namespace that is in fact the one topo runs in (by path, as
#    Docker's netns/default, or by pid) is refused before anything changes.
#    (Never /proc/1/ns/net here: the sandbox has no pid namespace of its own.)
touch /run/docker/netns/default
mount --bind /proc/self/ns/net /run/docker/netns/default
for how in "path: /run/docker/netns/default" "pid: $$"; do
	cat >"$WORK/self.yaml" <<YAML
topology: selfish
namespaces:
  host:
    interfaces:
      br-self: {type: bridge, addresses: [10.91.0.1/24]}
      vs0: {master: br-self}
  box:
    $how
    interfaces:
      eth0: {addresses: [10.91.0.2/24]}
    routes:
      - {to: 10.92.0.0/24, via: 10.91.0.1}
links:
  - [host:vs0, box:eth0]
YAML
	snapshot "$WORK/before"
	rc 1 "attached = host ($how)" "$TOPO" apply "$WORK/self.yaml"
	contains "says so ($how)" "$WORK/out" "namespace box (${how%%:*} "
	contains "says what it is ($how)" "$WORK/out" "is the namespace topo runs in"
	rc 1 "diff too ($how)" "$TOPO" diff "$WORK/self.yaml"
	snapshot "$WORK/after"
	same_snapshot "nothing changed ($how)" "$WORK/before" "$WORK/after"
	ok "no state file ($how)" test ! -e /run/topo/selfish.json
done
umount /run/docker/netns/default

# ---------------------------------------------------------------------------
# 6. destroy right after the last process of an attached namespace exited:
#    the kernel tears the namespace (and the veth) down asynchronously; a
#    link that vanished with it is gone, not an error.
for round in 1 2 3 4 5; do
	unshare --net sleep 300 &
	pid=$!
	wait_unshared $pid
	cat >"$WORK/dying.yaml" <<YAML
topology: dying
namespaces:
  host:
    interfaces:
      br-dy: {type: bridge}
      vd1: {master: br-dy}
      vd2: {master: br-dy}
      vd3: {master: br-dy}
  box:
    pid: $pid
    interfaces:
      eth0: {addresses: [10.93.0.2/24]}
      eth1: {addresses: [10.94.0.2/24]}
      eth2: {addresses: [10.95.0.2/24]}
links:
  - [host:vd1, box:eth0]
  - [host:vd2, box:eth1]
  - [host:vd3, box:eth2]
YAML
	ok "apply dying ($round)" "$TOPO" apply "$WORK/dying.yaml"
	kill $pid; wait $pid 2>/dev/null || true
	rc 0 "destroy after the namespace died ($round)" "$TOPO" destroy --name dying
	lacks "no error ($round)" "$WORK/out" "error"
	for _ in $(seq 40); do link_exists host vd1 || link_exists host vd2 || link_exists host vd3 || break; sleep 0.05; done
	for l in vd1 vd2 vd3 br-dy; do ! link_exists host $l || fail "$l left behind ($round)"; done
	ok "no state file ($round)" test ! -e /run/topo/dying.json
done
done_ok
