# topo does things in the order a person at the shell would, and the kernel
# shows it:
#   1. namespace-wide sysctls (conf.default.*, route_localnet, ip_forward)
#      before the links, addresses and routes of their namespace: a link
#      created after copies conf.default.*; per-interface keys once the link
#      exists; ip_forward (which resets every interface's forwarding) before
#      them — in a new namespace and in an update of an existing one;
#   2. addresses in file order: the first IPv4 address declared is the
#      primary, the source the kernel picks;
#   3. an mtu below 1280 with the link's IPv6 addresses removed in one
#      apply; removing `mtu:` gives a link topo owns the kernel's default
#      back (veth 1500, vxlan its underlay's less 50, bridge its ports'
#      smallest), and never touches a foreign link;
#   4. the "ip_forward is 0" warning: per-interface forwarding and
#      conf.all.forwarding count, each warning prints once, -q silences it.
. "$(dirname "$0")/lib.sh"

proc() { sysctl_get "$1" "$2"; }

# ------------------------------------------------- 1 & 2: a new namespace --
cat >"$WORK/o1.yaml" <<'YAML'
topology: order
namespaces:
  host:
    interfaces:
      vethO: {addresses: [10.50.0.1/24]}
  o1:
    sysctls:
      net.ipv4.conf.default.arp_ignore: 1
      net.ipv6.conf.default.hop_limit: 33
      net.ipv4.conf.eth0.rp_filter: 2
      net.ipv4.conf.eth0.forwarding: 0
      net.ipv4.ip_forward: 1
      net.ipv4.conf.all.route_localnet: 1
    interfaces:
      eth0: {addresses: [10.50.0.9/24, 10.50.0.2/24, 10.50.0.5/24]}
    routes:
      - {to: default, via: 10.50.0.1}
links:
  - [host:vethO, o1:eth0]
YAML
rc 2 "plan" "$TOPO" diff "$WORK/o1.yaml"
cp "$WORK/out" "$WORK/plan1"
line_of() { grep -nF -- "$2" "$1" | head -n 1 | cut -d: -f1; }
before() {   # before DESCRIPTION FILE FIRST SECOND: FIRST's line comes before SECOND's
	local a b
	a=$(line_of "$2" "$3"); b=$(line_of "$2" "$4")
	n_checks=$((n_checks + 1))
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || { cat "$2" >&2; fail "$1: '$3' not before '$4'"; }
}
before "default.* before the link" "$WORK/plan1" "sysctl net.ipv4.conf.default.arp_ignore=1" "link add vethO"
before "route_localnet before the routes" "$WORK/plan1" "sysctl net.ipv4.conf.all.route_localnet=1" "route add default"
before "ip_forward before the per-interface keys" "$WORK/plan1" "sysctl net.ipv4.ip_forward=1" "sysctl net.ipv4.conf.eth0.forwarding=0"
before "the interface's key after the link" "$WORK/plan1" "link add vethO" "sysctl net.ipv4.conf.eth0.rp_filter=2"
before "the interface's key before its addresses" "$WORK/plan1" "sysctl net.ipv4.conf.eth0.rp_filter=2" "address add 10.50.0.9/24"
before "addresses in file order" "$WORK/plan1" "address add 10.50.0.9/24" "address add 10.50.0.2/24"
before "addresses in file order (2)" "$WORK/plan1" "address add 10.50.0.2/24" "address add 10.50.0.5/24"
ok "apply" "$TOPO" apply "$WORK/o1.yaml"
rc 0 "converged" "$TOPO" diff "$WORK/o1.yaml"
eq "eth0 copied conf.default.arp_ignore" "$(proc o1 net.ipv4.conf.eth0.arp_ignore)" 1
eq "eth0 copied conf.default.hop_limit" "$(proc o1 net.ipv6.conf.eth0.hop_limit)" 33
eq "eth0 rp_filter" "$(proc o1 net.ipv4.conf.eth0.rp_filter)" 2
eq "ip_forward" "$(proc o1 net.ipv4.ip_forward)" 1
eq "eth0's forwarding survives ip_forward" "$(proc o1 net.ipv4.conf.eth0.forwarding)" 0
eq "lo's forwarding from ip_forward" "$(proc o1 net.ipv4.conf.lo.forwarding)" 1
eq "route_localnet" "$(proc o1 net.ipv4.conf.all.route_localnet)" 1
# The first declared address is the primary: listed first, not secondary,
# and the source the kernel picks.
ip netns exec o1 ip -j -4 addr show dev eth0 >"$WORK/addr.json"
eq "primary" "$(jq -r '.[0].addr_info[0].local' "$WORK/addr.json")" 10.50.0.9
eq "primary is not secondary" "$(jq -r '.[0].addr_info[0].secondary // false' "$WORK/addr.json")" false
eq "the others are secondaries" "$(jq -r '[.[0].addr_info[1:][] | .secondary] | all' "$WORK/addr.json")" true
eq "source of outgoing traffic" "$(ip netns exec o1 ip -j route get 10.50.0.1 | jq -r '.[0].prefsrc')" 10.50.0.9
expect_ping o1 10.50.0.1

# --------------------------------------- 1: an update of that namespace --
# A new conf.default value and a new link in one apply: the link copies it,
# the old link keeps its own (the kernel copies at creation only).
sed -e 's/^      net.ipv4.conf.default.arp_ignore: 1$/&\n      net.ipv4.conf.default.arp_announce: 2/' \
    -e 's/^      vethO: .*$/&\n      vethO2: {}/' \
    -e 's/^  - \[host:vethO, o1:eth0\]$/&\n  - [host:vethO2, o1:eth1]/' \
    -e 's/^      eth0: {addresses: .*$/&\n      eth1: {addresses: [10.51.0.2\/24]}/' "$WORK/o1.yaml" >"$WORK/o2.yaml"
grep -q arp_announce "$WORK/o2.yaml" && grep -q eth1 "$WORK/o2.yaml" || fail "o2.yaml not made"
rc 2 "plan v2" "$TOPO" diff "$WORK/o2.yaml"
before "update: default.* before the new link" "$WORK/out" "sysctl net.ipv4.conf.default.arp_announce=2" "link add vethO2"
ok "apply v2" "$TOPO" apply "$WORK/o2.yaml"
rc 0 "v2 converged" "$TOPO" diff "$WORK/o2.yaml"
eq "new link copied the new default" "$(proc o1 net.ipv4.conf.eth1.arp_announce)" 2
eq "new link copied the old default too" "$(proc o1 net.ipv4.conf.eth1.arp_ignore)" 1
eq "old link keeps its own" "$(proc o1 net.ipv4.conf.eth0.arp_announce)" 0
ok "destroy" "$TOPO" destroy "$WORK/o2.yaml"

# ------------------------------------------------ 2: a link that stays --
# Two addresses added to a link that had none of its subnet: the first
# declared one is the primary.
cat >"$WORK/p1.yaml" <<'YAML'
topology: prim
namespaces:
  pr:
    interfaces:
      eth0: {addresses: [10.60.0.2/24]}
  host:
    interfaces:
      vethPr: {}
links:
  - [host:vethPr, pr:eth0]
YAML
sed 's|\[10.60.0.2/24\]|[10.60.0.2/24, 10.61.0.30/24, 10.61.0.4/24]|' "$WORK/p1.yaml" >"$WORK/p2.yaml"
ok "prim: apply v1" "$TOPO" apply "$WORK/p1.yaml"
ok "prim: apply v2" "$TOPO" apply "$WORK/p2.yaml"
ip netns exec pr ip -j -4 addr show dev eth0 >"$WORK/addr.json"
eq "prim: 10.61.0.30 is primary" "$(jq -r '[.[0].addr_info[] | select(.local == "10.61.0.30")][0].secondary // false' "$WORK/addr.json")" false
eq "prim: 10.61.0.4 is secondary" "$(jq -r '[.[0].addr_info[] | select(.local == "10.61.0.4")][0].secondary // false' "$WORK/addr.json")" true
ok "prim: destroy" "$TOPO" destroy "$WORK/p2.yaml"

# ------------------------------------------------------------ 3: mtu --
# A foreign veth on the host with its own mtu, never touched.
ip link add frgn0 mtu 1400 type veth peer name frgn1 mtu 1400
cat >"$WORK/m1.yaml" <<'YAML'
topology: mtus
namespaces:
  host:
    interfaces:
      obr: {type: bridge, mtu: 1300, addresses: [10.70.0.1/24]}
      vethQ: {master: obr, mtu: 9000, addresses: []}
      ovx: {type: vxlan, vni: 9, remote: 192.0.2.9, mtu: 1300}
      vethU: {addresses: [10.71.0.1/24], mtu: 2000}
      ovx2: {type: vxlan, vni: 10, remote: 10.71.0.2, dev: vethU, mtu: 1200}
  q:
    interfaces:
      eth0: {addresses: [10.70.0.2/24, "fd70::2/64"], mtu: 1500}
      eth1: {addresses: [10.71.0.2/24]}
links:
  - [host:vethQ, q:eth0]
  - [host:vethU, q:eth1]
YAML
ok "mtus: apply v1" "$TOPO" apply "$WORK/m1.yaml"
mtu_of() { nsx "$1" ip -j link show dev "$2" | jq -r '.[0].mtu'; }
eq "obr 1300" "$(mtu_of host obr)" 1300
eq "ovx2 1200" "$(mtu_of host ovx2)" 1200
# mtu: removed everywhere; q's eth0 goes below 1280 and loses IPv6 in the same run.
sed -e 's/, "fd70::2\/64"\], mtu: 1500/], MTU: 1200/' -e 's/, mtu: [0-9]*//; s/mtu: [0-9]*, //' -e 's/MTU/mtu/' \
	"$WORK/m1.yaml" >"$WORK/m2.yaml"
grep -q 'mtu: 1200}' "$WORK/m2.yaml" || fail "m2.yaml not made"
[ "$(grep -c "mtu:" "$WORK/m2.yaml")" -eq 1 ] || { cat "$WORK/m2.yaml"; fail "m2.yaml not made"; }
ok "mtus: apply v2 in one run" "$TOPO" apply "$WORK/m2.yaml"
rc 0 "mtus: converged" "$TOPO" diff "$WORK/m2.yaml"
eq "veth back to 1500" "$(mtu_of host vethQ)" 1500
eq "veth vethU back to 1500" "$(mtu_of host vethU)" 1500
eq "vxlan without underlay: 1500" "$(mtu_of host ovx)" 1500
eq "vxlan over vethU: 1500 - 50" "$(mtu_of host ovx2)" 1450
eq "bridge: its port's mtu" "$(mtu_of host obr)" 1500
eq "q eth0 below 1280" "$(mtu_of q eth0)" 1200
eq "q eth0 without IPv6" "$(ip netns exec q ip -j -6 addr show dev eth0 | jq '[.[].addr_info[]] | length')" 0
eq "foreign veth untouched" "$(mtu_of host frgn0)" 1400
# A bridge follows the smallest port: a second port with mtu 1400.
sed -e 's/^      vethU: .*$/&\n      vethQ2: {master: obr, mtu: 1400}/' -e 's/^  - \[host:vethU, q:eth1\]$/&\n  - [host:vethQ2, q:eth2]/' \
	"$WORK/m2.yaml" >"$WORK/m3.yaml"
ok "mtus: apply v3" "$TOPO" apply "$WORK/m3.yaml"
rc 0 "mtus: v3 converged" "$TOPO" diff "$WORK/m3.yaml"
eq "bridge: the smallest port's mtu" "$(mtu_of host obr)" 1400
ok "mtus: back to v2" "$TOPO" apply "$WORK/m2.yaml"
rc 0 "mtus: v2 converged again" "$TOPO" diff "$WORK/m2.yaml"
eq "bridge: 1500 again once the small port left" "$(mtu_of host obr)" 1500
# Up again with IPv6, in one run.
ok "mtus: back to v1" "$TOPO" apply "$WORK/m1.yaml"
rc 0 "mtus: v1 converged" "$TOPO" diff "$WORK/m1.yaml"
has_addr q eth0 fd70::2/64 || fail "fd70::2/64 not back"
ok "mtus: destroy" "$TOPO" destroy "$WORK/m1.yaml"
eq "foreign veth still untouched" "$(mtu_of host frgn0)" 1400
ip link del frgn0

# A vxlan declared before its underlay: raising both, the underlay goes
# first (the kernel refuses a vxlan more than its underlay's mtu less 50);
# without `mtu:` the vxlan follows the underlay's new mtu, as at creation.
cat >"$WORK/vx1.yaml" <<'YAML'
topology: vxm
namespaces:
  host:
    interfaces:
      vxU: {type: vxlan, vni: 7, remote: 10.0.0.2, dev: vethU}
      vethU: {addresses: [10.0.0.1/24]}
  va: {interfaces: {eth0: {addresses: [10.0.0.2/24]}}}
links:
  - [host:vethU, va:eth0]
YAML
sed 's|vethU: {addresses: \[10.0.0.1/24\]}|vethU: {addresses: [10.0.0.1/24], mtu: 9000}|' "$WORK/vx1.yaml" >"$WORK/vx2.yaml"
ok "vxm: apply" "$TOPO" apply "$WORK/vx1.yaml"
eq "vxm: vxlan at creation" "$(mtu_of host vxU)" 1450
ok "vxm: raise" "$TOPO" apply "$WORK/vx2.yaml"
rc 0 "vxm: converged" "$TOPO" diff "$WORK/vx2.yaml"
eq "vxm: vxlan follows" "$(mtu_of host vxU)" 8950
ok "vxm: lower" "$TOPO" apply "$WORK/vx1.yaml"
eq "vxm: vxlan back" "$(mtu_of host vxU)" 1450
eq "vxm: underlay back" "$(mtu_of host vethU)" 1500
ok "vxm: destroy" "$TOPO" destroy "$WORK/vx1.yaml"

# -------------------------------------------------------- 4: warnings --
cat >"$WORK/w1.yaml" <<'YAML'
topology: warn
namespaces:
  wn:
    interfaces:
      eth0: {addresses: [10.80.0.2/24]}
    nat:
      - masquerade: {source: 10.80.0.0/24, out: eth0}
  host:
    interfaces:
      vethW: {addresses: [10.80.0.1/24]}
links:
  - [host:vethW, wn:eth0]
YAML
rc 2 "warn: diff" "$TOPO" diff "$WORK/w1.yaml"
contains "warn: said" "$WORK/out" "net.ipv4.ip_forward is 0"
rc 2 "warn: diff -q" "$TOPO" diff -q "$WORK/w1.yaml"
lacks "warn: -q silences it" "$WORK/out" "warning"
ok "warn: apply" "$TOPO" apply "$WORK/w1.yaml"
eq "warn: once, not once per round" "$(grep -c 'warning: namespace wn has nat' "$WORK/out")" 1
ok "warn: destroy" "$TOPO" destroy "$WORK/w1.yaml"
ok "warn: apply -q" "$TOPO" apply -q "$WORK/w1.yaml"
lacks "warn: apply -q silences it" "$WORK/out" "warning"
ok "warn: destroy again" "$TOPO" destroy "$WORK/w1.yaml"
# The same setting by another name, and per-interface forwarding: no warning.
sed 's/^  wn:$/&\n    sysctls: {net.ipv4.conf.all.forwarding: 1}/' "$WORK/w1.yaml" >"$WORK/w2.yaml"
rc 2 "warn: conf.all.forwarding" "$TOPO" diff "$WORK/w2.yaml"
lacks "warn: conf.all.forwarding is ip_forward" "$WORK/out" "ip_forward is"
sed 's/^  wn:$/&\n    sysctls: {net.ipv4.conf.eth0.forwarding: 1}/' "$WORK/w1.yaml" >"$WORK/w3.yaml"
rc 2 "warn: per-interface forwarding" "$TOPO" diff "$WORK/w3.yaml"
lacks "warn: per-interface forwarding counts" "$WORK/out" "ip_forward is"
ok "warn: apply with per-interface forwarding" "$TOPO" apply "$WORK/w3.yaml"
eq "warn: eth0 forwards" "$(proc wn net.ipv4.conf.eth0.forwarding)" 1
eq "warn: ip_forward untouched" "$(proc wn net.ipv4.ip_forward)" 0
ok "warn: destroy w3" "$TOPO" destroy "$WORK/w3.yaml"
done_ok
