# File ergonomics against the kernel: prefix: lets two labs with the same
# node names run side by side, and destroying one leaves the other exactly
# as it was; anchors, aliases, the merge key and defaults: give each
# namespace what the file means, checked in /proc/sys and ip -j.
. "$(dirname "$0")/lib.sh"
snapshot "$WORK/empty"

lab() {   # NAME PREFIX
	cat <<EOT
topology: $1
prefix: $2
namespaces:
  h1:
    interfaces:
      eth0: {addresses: [10.0.0.1/24]}
  h2:
    interfaces:
      eth0: {addresses: [10.0.0.2/24]}
links:
  - [h1:eth0, h2:eth0]
checks:
  - {from: h1, ping: 10.0.0.2}
EOT
}
lab ea ea- >"$WORK/a.yaml"
lab eb eb- >"$WORK/b.yaml"

ok "apply lab b" "$TOPO" apply "$WORK/b.yaml"
snapshot "$WORK/b-alone"
ok "apply lab a beside it" "$TOPO" apply "$WORK/a.yaml"
eq "real names under /run/netns" "$(ls /run/netns | sort | tr '\n' ' ')" "ea-h1 ea-h2 eb-h1 eb-h2 "
[ ! -e /run/netns/h1 ] || fail "a namespace under the file's own name"
for p in ea eb; do
	expect_ping "$p-h1" 10.0.0.2
	expect_ping "$p-h2" 10.0.0.1
	eq "$p: the veth's peer is in its own lab" \
		"$(ip netns exec "$p-h1" ip -j link show eth0 | jq -r '.[0].link_netnsid')" \
		"$(ip netns exec "$p-h1" ip -j netns list-id | jq -r --arg n "$p-h2" '.[] | select(.name == $n) | .nsid')"
done
rc 0 "lab a converged" "$TOPO" diff "$WORK/a.yaml"
contains "converged" "$WORK/out" "no changes"
ok "check lab a (checks use the file's names)" "$TOPO" check "$WORK/a.yaml"
contains "check names the real namespace" "$WORK/out" "ea-h1"
ok "show lab b" "$TOPO" show "$WORK/b.yaml"
contains "show: real names" "$WORK/out" "eb-h2"
lacks "show: not the other lab" "$WORK/out" "ea-h"
# exec: -f takes the file's name (or the real one); without -f, the real name.
ok "exec -f by the file's name" "$TOPO" exec -f "$WORK/a.yaml" h2 -- ip -j addr show dev eth0
contains "exec reached ea-h2" "$WORK/out" '"10.0.0.2"'
ok "exec -f by the real name" "$TOPO" exec -f "$WORK/b.yaml" eb-h1 -- ip -j addr show dev eth0
contains "exec reached eb-h1" "$WORK/out" '"10.0.0.1"'
ok "exec by the real name" "$TOPO" exec ea-h1 -- ip -j link show eth0
rc 1 "exec -f: a name of the other lab" "$TOPO" exec -f "$WORK/a.yaml" eb-h1 -- true
contains "says so" "$WORK/out" "declares no namespace 'eb-h1'"
# export writes the real names and no prefix: the same lab, converged.
ok "export lab a" "$TOPO" export "$WORK/a.yaml"
cp "$WORK/out" "$WORK/a-export.yaml"
lacks "no prefix key" "$WORK/a-export.yaml" "prefix:"
contains "real names" "$WORK/a-export.yaml" "ea-h1:"
rc 0 "the export is converged" "$TOPO" diff "$WORK/a-export.yaml"
ok "destroy lab a" "$TOPO" destroy "$WORK/a.yaml"
snapshot "$WORK/b-after-a"
same_snapshot "lab b untouched by lab a's apply and destroy" "$WORK/b-alone" "$WORK/b-after-a"
expect_ping eb-h1 10.0.0.2
ok "destroy lab b" "$TOPO" destroy "$WORK/b.yaml"
snapshot "$WORK/after"
same_snapshot "nothing left" "$WORK/empty" "$WORK/after"

# A prefix that collides with a name of another lab's namespace is that
# lab's: refused, nothing changed.
ok "apply lab b again" "$TOPO" apply "$WORK/b.yaml"
snapshot "$WORK/b-again"
printf 'topology: ec\nprefix: eb-\nnamespaces:\n  h1: {}\n' >"$WORK/c.yaml"
rc 1 "another lab's namespace through a prefix" "$TOPO" apply "$WORK/c.yaml"
contains "names it" "$WORK/out" "eb-h1"
snapshot "$WORK/b-after-c"
same_snapshot "refused apply changed nothing" "$WORK/b-again" "$WORK/b-after-c"
ok "destroy lab b" "$TOPO" destroy "$WORK/b.yaml"

# Anchors, aliases, merge keys and defaults.
host_fwd=$(sysctl_get host net.ipv4.ip_forward)
cat >"$WORK/d.yaml" <<'EOT'
topology: ed
defaults:
  sysctls: {net.ipv4.ip_forward: 1, net.ipv4.conf.default.rp_filter: 2, net.ipv4.conf.eth0.rp_filter: 1}
  mtu: 1400
namespaces:
  r:
    sysctls: {net.ipv4.ip_forward: 0}
    interfaces:
      br0: &lan {type: bridge, addresses: [10.1.0.1/24]}
      br1: {<<: *lan, addresses: [10.2.0.1/24], mtu: 9000}
      v1: {master: br0}
      v2: {master: br1}
  h1: &host
    interfaces:
      eth0: {addresses: [10.1.0.2/24]}
    routes:
      - &gw {to: default, via: 10.1.0.1}
  h2:
    <<: *host
    interfaces:
      eth0: {addresses: [10.2.0.2/24]}
    routes:
      - {<<: *gw, via: 10.2.0.1}
links:
  - [r:v1, h1:eth0]
  - {endpoints: [r:v2, h2:eth0], mtu: 9000}
EOT
ok "apply anchors + defaults" "$TOPO" apply "$WORK/d.yaml"
mtu() { ip netns exec "$1" ip -j link show dev "$2" | jq -r '.[0].mtu'; }
eq "r: its own ip_forward" "$(sysctl_get r net.ipv4.ip_forward)" 0
eq "h1: default ip_forward" "$(sysctl_get h1 net.ipv4.ip_forward)" 1
eq "h2: default ip_forward" "$(sysctl_get h2 net.ipv4.ip_forward)" 1
for ns in r h1 h2; do eq "$ns: default rp_filter" "$(sysctl_get "$ns" net.ipv4.conf.default.rp_filter)" 2; done
# A default naming eth0 goes to the namespaces that have one (r has none).
for ns in h1 h2; do eq "$ns: eth0's rp_filter" "$(sysctl_get "$ns" net.ipv4.conf.eth0.rp_filter)" 1; done
eq "host: no default" "$(sysctl_get host net.ipv4.ip_forward)" "$host_fwd"
eq "br0: default mtu" "$(mtu r br0)" 1400
eq "br1: merged, its own mtu" "$(mtu r br1)" 9000
eq "br1: merged type" "$(ip netns exec r ip -j -d link show br1 | jq -r '.[0].linkinfo.info_kind')" bridge
eq "br1: its own address" "$(ip netns exec r ip -j addr show br1 | jq -r '[.[0].addr_info[] | select(.family == "inet") | .local] | join(",")')" 10.2.0.1
eq "v1: default mtu" "$(mtu r v1)" 1400
eq "h1 eth0: default mtu" "$(mtu h1 eth0)" 1400
eq "v2: the link's mtu" "$(mtu r v2)" 9000
eq "h2 eth0: the link's mtu" "$(mtu h2 eth0)" 9000
eq "h2: the merged route, its own gateway" "$(ip netns exec h2 ip -j route show default | jq -r '.[0].gateway')" 10.2.0.1
eq "h1: the anchored route" "$(ip netns exec h1 ip -j route show default | jq -r '.[0].gateway')" 10.1.0.1
expect_ping h1 10.1.0.1
expect_ping h2 10.2.0.1
rc 0 "converged" "$TOPO" diff "$WORK/d.yaml"
ok "destroy" "$TOPO" destroy "$WORK/d.yaml"
eq "host ip_forward as before" "$(sysctl_get host net.ipv4.ip_forward)" "$host_fwd"

# A billion laughs: refused at the alias, quickly, in bounded memory.
{
	echo "topology: lol"; echo "x:"; echo "  - &l0 [lol]"
	for i in 1 2 3 4 5 6 7 8 9; do
		printf '  - &l%d [' "$i"
		for j in 1 2 3 4 5 6 7 8 9 10; do printf '*l%d%s' $((i - 1)) "$([ $j -lt 10 ] && echo ', ')"; done
		echo "]"
	done
} >"$WORK/lol.yaml"
limit="ulimit -v 524288;"
[ "${TOPO_SAN:-0}" = 1 ] && limit=
rc 1 "billion laughs refused" bash -c "$limit exec '$TOPO' validate '$WORK/lol.yaml'"
contains "at the alias" "$WORK/out" "$WORK/lol.yaml:9:25: error: alias *l5 stands for 211111 YAML values"
done_ok
