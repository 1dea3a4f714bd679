# Labs that share a host. Two NAT labs both declare ip_forward=1 in host:
# destroying one leaves it on while the other is applied (its router still
# forwards: a real ping across it), and the last one to leave puts the
# original value back, in either order. A topology that wants another value
# for a sysctl someone holds is a conflict at apply, before anything changes.
# An attached namespace is shared by identity, whatever each file calls it.
. "$(dirname "$0")/lib.sh"
R=/run/topo/host-sysctls.json
echo 0 >/proc/sys/net/ipv4/ip_forward

# lab NAME NET: host routes between two namespaces of its own, NATs one side.
lab() {
	cat >"$WORK/$1.yaml" <<EOF
topology: $1
namespaces:
  host:
    sysctls: {net.ipv4.ip_forward: ${3:-1}}
    interfaces:
      $1-l: {addresses: [10.$2.1.1/24]}
      $1-r: {addresses: [10.$2.2.1/24]}
    nat:
      - masquerade: {source: 10.$2.1.0/24, out: $1-r}
  $1-a:
    interfaces:
      eth0: {addresses: [10.$2.1.2/24]}
    routes:
      - {to: default, via: 10.$2.1.1}
  $1-b:
    interfaces:
      eth0: {addresses: [10.$2.2.2/24]}
    routes:
      - {to: default, via: 10.$2.2.1}
links:
  - [host:$1-l, $1-a:eth0]
  - [host:$1-r, $1-b:eth0]
EOF
}
lab laba 61
lab labb 62
lab labc 63 0
fwd() { cat /proc/sys/net/ipv4/ip_forward; }
snapshot "$WORK/before"

for order in "laba labb" "labb laba"; do
	set -- $order
	first=$1 second=$2
	ok "apply laba" "$TOPO" apply "$WORK/laba.yaml"
	contains "laba turns forwarding on" "$WORK/out" "~ sysctl net.ipv4.ip_forward=1 (was 0)"
	ok "apply labb" "$TOPO" apply "$WORK/labb.yaml"
	lacks "labb finds it on" "$WORK/out" "sysctl net.ipv4.ip_forward"
	eq "registry: one entry" "$(jq -r '.sysctls | length' "$R")" 1
	eq "registry: the original" "$(jq -r '.sysctls[0].original' "$R")" 0
	eq "registry: both hold it" "$(jq -r '[.sysctls[0].holders[].topology] | sort | join(" ")' "$R")" "laba labb"
	expect_ping "$second-a" "10.$([ "$second" = laba ] && echo 61 || echo 62).2.2"

	ok "destroy $first" "$TOPO" destroy "$WORK/$first.yaml"
	lacks "$first leaves ip_forward alone" "$WORK/out" "sysctl net.ipv4.ip_forward"
	eq "ip_forward still on under $second" "$(fwd)" 1
	net=$([ "$second" = laba ] && echo 61 || echo 62)
	expect_ping "$second-a" "10.$net.2.2"
	rc 0 "$second still converged" "$TOPO" diff "$WORK/$second.yaml"
	eq "registry: $second alone" "$(jq -r '[.sysctls[0].holders[].topology] | join(" ")' "$R")" "$second"

	ok "destroy $second" "$TOPO" destroy "$WORK/$second.yaml"
	contains "the last one restores" "$WORK/out" "~ sysctl net.ipv4.ip_forward=0 (was 1)"
	eq "ip_forward back to its original" "$(fwd)" 0
	[ ! -e "$R" ] || fail "registry left behind: $(cat "$R")"
	snapshot "$WORK/after"
	same_snapshot "both gone ($order)" "$WORK/before" "$WORK/after"
done

# The last one restores even without its own state file (the registry has it).
ok "apply laba" "$TOPO" apply "$WORK/laba.yaml"
ok "apply labb" "$TOPO" apply "$WORK/labb.yaml"
ok "destroy laba" "$TOPO" destroy "$WORK/laba.yaml"
rm /run/topo/labb.json
ok "destroy --name labb" "$TOPO" destroy --name labb
eq "restored from the registry" "$(fwd)" 0
snapshot "$WORK/after"
same_snapshot "without labb's state file" "$WORK/before" "$WORK/after"

# Different values: a conflict at apply, nothing changed; and a diff says so too.
ok "apply laba" "$TOPO" apply "$WORK/laba.yaml"
snapshot "$WORK/with-a"
rc 1 "labc wants ip_forward 0" "$TOPO" apply "$WORK/labc.yaml"
contains "a conflict naming the holder" "$WORK/out" "sysctl net.ipv4.ip_forward in namespace host: topology laba holds it at 1, this file wants 0"
contains "with the position" "$WORK/out" "$WORK/labc.yaml:4:"
rc 1 "diff says so too" "$TOPO" diff "$WORK/labc.yaml"
snapshot "$WORK/after"
same_snapshot "labc changed nothing" "$WORK/with-a" "$WORK/after"
[ ! -e /run/topo/labc.json ] || fail "labc left a state file"
# laba itself changing its mind is fine while it is the only holder.
sed 's/net.ipv4.ip_forward: 1/net.ipv4.ip_forward: 0/' "$WORK/laba.yaml" >"$WORK/laba0.yaml"
ok "laba to 0" "$TOPO" apply "$WORK/laba0.yaml"
eq "laba's new value" "$(fwd)" 0
eq "registry: laba at 0" "$(jq -r '.sysctls[0].holders[0].value' "$R")" 0
ok "destroy laba" "$TOPO" destroy "$WORK/laba0.yaml"
snapshot "$WORK/after"
same_snapshot "laba gone" "$WORK/before" "$WORK/after"

# An attached namespace, called differently by two files.
ip netns add shared
touch /run/docker/netns/box
mount --bind /run/netns/shared /run/docker/netns/box
for t in att1:/run/netns/shared att2:/run/docker/netns/box; do
	name=${t%%:*} path=${t#*:}
	printf 'topology: %s\nnamespaces:\n  %s-ns:\n    path: %s\n    sysctls: {net.ipv4.ip_forward: %s}\n' \
		"$name" "$name" "$path" 1 >"$WORK/$name.yaml"
done
sed 's/ip_forward: 1/ip_forward: 0/' "$WORK/att2.yaml" >"$WORK/att3.yaml"
sed -i 's/^topology: att2/topology: att3/; s/att2-ns/att3-ns/' "$WORK/att3.yaml"
ok "att1" "$TOPO" apply "$WORK/att1.yaml"
ok "att2" "$TOPO" apply "$WORK/att2.yaml"
eq "one namespace, one entry" "$(jq -r '.sysctls | length' "$R")" 1
rc 1 "att3 wants 0 in the same namespace" "$TOPO" apply "$WORK/att3.yaml"
contains "by identity, in its own words" "$WORK/out" "sysctl net.ipv4.ip_forward in namespace att3-ns: topology att"
ok "destroy att1" "$TOPO" destroy "$WORK/att1.yaml"
eq "still on for att2" "$(ip netns exec shared cat /proc/sys/net/ipv4/ip_forward)" 1
ok "destroy att2" "$TOPO" destroy "$WORK/att2.yaml"
eq "back to 0" "$(ip netns exec shared cat /proc/sys/net/ipv4/ip_forward)" 0
[ ! -e "$R" ] || fail "registry left behind: $(cat "$R")"
done_ok
