# addr_gen_mode: the kernel makes no link-local address where the file says
# `none`, a random one where it says `random`, and its own EUI-64 one
# elsewhere; checked with ip -j (the mode, the fe80 addresses) and real
# IPv4 traffic through the bridge. Then the attacks: a mode changed by
# hand is repaired in place (same ifindex) and a failed repair puts the
# hand-set mode back; rollback at every step of the fresh apply leaves the
# kernel as it was; a foreign link with the declared name is a clash that
# changes nothing (its mode included); a mode the kernel refuses
# (stable_secret without a secret) fails and rolls back; bad input is
# FILE:LINE:COL with nothing applied.
. "$(dirname "$0")/lib.sh"

mode() { nsx "$1" ip -j -d link show dev "$2" | jq -r '.[0].inet6_addr_gen_mode // "-"'; }
lladdrs() { nsx "$1" ip -j -6 addr show dev "$2" scope link | jq -r '[.[0].addr_info[]?.local] | join(",")'; }

cat >"$WORK/lab.yaml" <<'YAML'
topology: agm
namespaces:
  host:
    interfaces:
      br0: {type: bridge, addresses: [10.9.0.1/24], addr_gen_mode: none}
      mv0: {type: macvlan, parent: br0, addr_gen_mode: none}
      mv1: {type: macvlan, parent: fx0, addr_gen_mode: none}
      ha: {master: br0}
      hb: {master: br0}
  a:
    interfaces:
      eth0: {addresses: [10.9.0.2/24]}
  b:
    interfaces:
      eth0: {addresses: [10.9.0.3/24], addr_gen_mode: random}
links:
  - {endpoints: [host:ha, a:eth0], addr_gen_mode: none}
  - [host:hb, b:eth0]
YAML

# A link nobody declares keeps the kernel's mode through it all; up, with
# carrier, it gives a macvlan on it carrier the moment it is made.
ip link add fx0 type veth peer name fx1
ip link set fx0 addrgenmode random
ip link set fx0 up
ip link set fx1 up
fx_before=$(mode host fx0)

# Rollback at every step of the fresh apply.
"$TOPO" diff --json "$WORK/lab.yaml" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
[ "$n" -gt 10 ] || fail "plan too small ($n)"
settled "$WORK/before"
for k in $(seq 1 "$n"); do
	rc 1 "fresh: fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/lab.yaml"
	settled_like "$WORK/before" "$WORK/after"
	same_snapshot "fresh: rollback after step $k of $n" "$WORK/before" "$WORK/after"
done

rc 2 "plan" "$TOPO" diff "$WORK/lab.yaml"
contains "mode of a new link" "$WORK/out" "~ link set br0 addrgenmode none"
contains "mode of a peer" "$WORK/out" "~ link set eth0 addrgenmode random netns b"
ok "apply" "$TOPO" apply --wait 0 "$WORK/lab.yaml"
eq "br0 mode" "$(mode host br0)" none
eq "ha mode (the link's)" "$(mode host ha)" none
eq "a:eth0 mode (the link's)" "$(mode a eth0)" none
eq "mv0 mode" "$(mode host mv0)" none
eq "mv1 mode" "$(mode host mv1)" none
eq "b:eth0 mode" "$(mode b eth0)" random
eq "hb mode (the kernel's)" "$(mode host hb)" eui64
eq "fx0 untouched" "$(mode host fx0)" "$fx_before"
# The kernel makes a link-local address when carrier comes: give it time.
sleep 1
for l in "host br0" "host ha" "a eth0" "host mv0" "host mv1"; do
	eq "no link-local address on $l" "$(lladdrs $l)" ""
done
hb_ll=$(lladdrs host hb)
[[ $hb_ll == fe80::* ]] || fail "hb has no EUI-64 link-local address ($hb_ll)"
b_ll=$(lladdrs b eth0)
[[ $b_ll == fe80::* ]] || fail "b:eth0 has no random link-local address ($b_ll)"
b_mac=$(nsx b ip -j link show dev eth0 | jq -r '.[0].address')
eui=$(python3 -c "
import ipaddress,sys
m=[int(x,16) for x in sys.argv[1].split(':')]
m[0]^=2
print(ipaddress.ip_address(bytes([0xfe,0x80]+[0]*6+m[:3]+[0xff,0xfe]+m[3:])))" "$b_mac")
[ "$b_ll" != "$eui" ] || fail "b:eth0's link-local address is its EUI-64 one ($eui), not a random one"
expect_ping a 10.9.0.3
expect_ping b 10.9.0.1
rc 0 "converged" "$TOPO" diff "$WORK/lab.yaml"

# Drift by hand: repaired in place.
ha_idx=$(ifindex host ha)
ip link set ha addrgenmode eui64
rc 2 "drift seen" "$TOPO" diff "$WORK/lab.yaml"
contains "drift planned" "$WORK/out" "~ link set ha addrgenmode none (was eui64)"
# A failed repair (its second step fails) puts the hand-set mode back.
sed 's|eth0: {addresses: \[10.9.0.2/24\]}|eth0: {addresses: [10.9.0.2/24, 10.9.1.2/24]}|' "$WORK/lab.yaml" >"$WORK/lab2.yaml"
"$TOPO" diff "$WORK/lab2.yaml" >"$WORK/plan2" || true
[ "$(grep -c '^[~+-]' "$WORK/plan2")" -eq 2 ] || { cat "$WORK/plan2"; fail "two steps expected"; }
head -n 1 "$WORK/plan2" | grep -qF "addrgenmode" || { cat "$WORK/plan2"; fail "the mode is not the first step"; }
rc 1 "repair fails at step 2" env TOPO_FAIL_AT_STEP=2 "$TOPO" apply "$WORK/lab2.yaml"
eq "hand-set mode back after rollback" "$(mode host ha)" eui64
ok "repair" "$TOPO" apply "$WORK/lab.yaml"
eq "ha repaired" "$(mode host ha)" none
eq "ha same link" "$(ifindex host ha)" "$ha_idx"
rc 0 "converged after repair" "$TOPO" diff "$WORK/lab.yaml"

ok "destroy" "$TOPO" destroy "$WORK/lab.yaml"
eq "fx0 untouched after destroy" "$(mode host fx0)" "$fx_before"
link_exists host fx0 || fail "fx0 is gone"
settled "$WORK/after"
same_snapshot "destroy" "$WORK/before" "$WORK/after"

# A foreign link with a declared name: a clash, nothing changes.
ip link add ha type veth peer name ha-peer
ip link set ha addrgenmode eui64
settled "$WORK/before-clash"
rc 1 "foreign ha is a clash" "$TOPO" apply "$WORK/lab.yaml"
eq "foreign ha's mode untouched" "$(mode host ha)" eui64
settled "$WORK/after-clash"
same_snapshot "clash" "$WORK/before-clash" "$WORK/after-clash"
ip link del ha

# A mode the kernel refuses without a secret: the apply fails, rolls back.
cat >"$WORK/secret.yaml" <<'YAML'
topology: agm2
namespaces:
  host:
    interfaces:
      hs: {addresses: [10.8.0.1/24]}
  s:
    interfaces:
      eth0: {addresses: [10.8.0.2/24], addr_gen_mode: stable_secret}
links:
  - [host:hs, s:eth0]
YAML
settled "$WORK/before-secret"
ok "valid" "$TOPO" validate "$WORK/secret.yaml"
rc 1 "stable_secret without a secret" "$TOPO" apply "$WORK/secret.yaml"
contains "refused at the mode's step" "$WORK/out" "link set eth0 addrgenmode stable_secret netns s"
contains "rolled back" "$WORK/out" "rolled back"
settled_like "$WORK/before-secret" "$WORK/after-secret"
same_snapshot "refused mode rolled back" "$WORK/before-secret" "$WORK/after-secret"
# Bad input: FILE:LINE:COL, exit 1, nothing applied.
settled "$WORK/before-bad"
printf 'topology: bad\nnamespaces:\n  x:\n    interfaces:\n      br9: {type: bridge, addr_gen_mode: eui-64}\n' >"$WORK/bad1.yaml"
rc 1 "unknown mode" "$TOPO" apply "$WORK/bad1.yaml"
contains "unknown mode located" "$WORK/out" "bad1.yaml:5:42: error: addr_gen_mode 'eui-64' is not a mode"
printf 'topology: bad\nnamespaces:\n  x:\n    interfaces:\n      lo: {addr_gen_mode: none}\n' >"$WORK/bad2.yaml"
rc 1 "mode on lo" "$TOPO" apply "$WORK/bad2.yaml"
contains "mode on lo located" "$WORK/out" "bad2.yaml:5:7: error: addr_gen_mode on lo"
printf 'topology: bad\nnamespaces:\n  x:\n    interfaces:\n      eth0: {mtu: 1200, addr_gen_mode: none}\nlinks:\n  - [host:hx, x:eth0]\n' >"$WORK/bad3.yaml"
rc 1 "mode below IPv6's mtu" "$TOPO" apply "$WORK/bad3.yaml"
contains "low mtu located" "$WORK/out" "bad3.yaml:5:7: error: addr_gen_mode on eth0, whose mtu is 1200"
settled "$WORK/after-bad"
same_snapshot "bad input applied nothing" "$WORK/before-bad" "$WORK/after-bad"
done_ok
