# See and use the lab: show (veth peers), graph, export of a hand-built lab,
# exec, check (passing, and failing by name when a link breaks), the man
# page, make install.
. "$(dirname "$0")/lib.sh"
F=$TOPOLOGIES/seed001-bridge.yaml
ok "apply" "$TOPO" apply "$F"

# show --json names each veth's peer namespace and interface (checked against ip -j).
ok "show --json" "$TOPO" show --json "$F"
cp "$WORK/out" "$WORK/show.json"
for pair in "host vethA netns_A eth0" "host vethB netns_B eth0" "netns_A eth0 host vethA" "netns_B eth0 host vethB"; do
	set -- $pair
	eq "peer of $1:$2" "$(jq -r --arg ns "$1" --arg i "$2" '.namespaces[] | select(.name == $ns) | .interfaces[] | select(.name == $i) | "\(.peer.namespace):\(.peer.interface)"' "$WORK/show.json")" "$3:$4"
	# Independently: the peer's ifindex is what ip -j reports as link_index.
	eq "ifindex of $1:$2's peer" "$(jq -r --arg ns "$1" --arg i "$2" '.namespaces[] | select(.name == $ns) | .interfaces[] | select(.name == $i) | .peer.ifindex' "$WORK/show.json")" "$(nsx "$1" ip -j link show "$2" | jq -r '.[0].link_index')"
done
ok "show text" "$TOPO" show "$F"
contains "peer in text" "$WORK/out" "peer netns_A:eth0"
contains "no drift" "$WORK/out" "no drift"
ip netns exec netns_B ip addr flush dev eth0
ok "show with drift" "$TOPO" show "$F"
contains "drift marked" "$WORK/out" "(drifted)"
ok "repair" "$TOPO" apply "$F"

# graph
ok "graph dot" "$TOPO" graph "$F"
ok "dot parses it" bash -c "'$TOPO' graph '$F' | dot -Tsvg -o '$WORK/g.svg'"
ok "svg through libgvc" bash -c "'$TOPO' graph --format svg '$F' >'$WORK/g2.svg'"
contains "an svg" "$WORK/g2.svg" "<svg"
contains "with the namespaces" "$WORK/g2.svg" "netns_A"

# exec
ok "exec ip -j addr" "$TOPO" exec netns_A -- ip -j addr show eth0
eq "exec sees the namespace" "$(jq -r '.[0].addr_info[] | select(.family=="inet") | .local' "$WORK/out")" 172.18.0.2
rc 1 "exec into nothing" "$TOPO" exec nosuchns -- true

# check: passes (topo serves the tcp/udp checks itself), then fails naming
# the check when a link breaks.
ok "check" "$TOPO" check "$F"
contains "all pass" "$WORK/out" "6 passed, 0 failed"
ip link set vethB down
rc 1 "check with a broken link" env TOPO_CHECK_TIMEOUT_MS=500 "$TOPO" check "$F"
contains "names the failing check" "$WORK/out" "✗ ping 172.18.0.3 from netns_A"
ok "check --json" bash -c "TOPO_CHECK_TIMEOUT_MS=500 '$TOPO' check --json '$F' || true"
eq "json failed count" "$(jq .failed "$WORK/out")" 4
ok "repair" "$TOPO" apply "$F"
ok "destroy" "$TOPO" destroy "$F"

# export of a lab built by hand, the seeds' way.
ip link add hbr type bridge && ip link set hbr up && ip addr add 10.9.9.1/24 dev hbr
ip netns add hand
ip link add hv type veth peer name eth0 netns hand
ip link set hv master hbr up
ip -n hand addr add 10.9.9.2/24 dev eth0 && ip -n hand link set eth0 up && ip -n hand route add default via 10.9.9.1
ok "export --netns" "$TOPO" export --netns hand --name handmade
cp "$WORK/out" "$WORK/hand.yaml"
ok "exported file is valid" "$TOPO" validate "$WORK/hand.yaml"
contains "the bridge" "$WORK/hand.yaml" "hbr: {type: bridge"
contains "the link" "$WORK/hand.yaml" '- ["host:hv", "hand:eth0"]'
contains "the route" "$WORK/hand.yaml" '{to: default, via: "10.9.9.1"}'

# ... and taken over: --adopt marks what exists, then topo manages it.
rc 1 "plain apply refuses what is not topo's" "$TOPO" apply "$WORK/hand.yaml"
contains "names the namespace" "$WORK/out" "namespace hand exists"
rc 2 "diff --adopt" "$TOPO" diff --adopt "$WORK/hand.yaml"
contains "three marks, nothing else" "$WORK/out" "0 to add, 3 to change, 0 to remove"
ok "apply --adopt" "$TOPO" apply --adopt "$WORK/hand.yaml"
contains "marks the bridge" "$WORK/out" "~ link set hbr alias topo:<topology>"
contains "marks the namespace" "$WORK/out" "~ link set lo alias topo:<topology> netns hand  # adopt"
lacks "nothing recreated" "$WORK/out" "link add"
rc 0 "adopted: converged" "$TOPO" diff "$WORK/hand.yaml"
eq "the mark" "$(ip -j -d link show hbr | jq -r '.[0].ifalias')" "topo:handmade"
ok "destroy the adopted lab" "$TOPO" destroy "$WORK/hand.yaml"
! ip netns list | grep -q hand || fail "adopted namespace left"
! link_exists host hbr || fail "adopted bridge left"

# Host-coexistence preflight: warnings, not errors.
nft add table ip filter
nft add chain ip filter FORWARD '{ type filter hook forward priority 0; policy drop; }'
nft add chain ip filter DOCKER
rc 2 "diff with Docker around" "$TOPO" diff "$TOPOLOGIES/seed004-trace.yaml"
contains "br_netfilter meets a foreign drop" "$WORK/out" "traffic bridged on docker0 goes through the ip hooks (net.bridge.bridge-nf-call-iptables=1) and table ip filter chain FORWARD drops"
contains "Docker's chains" "$WORK/out" "Docker's iptables chains are present"
printf 'topology: natonly\nnamespaces:\n  r:\n    nat:\n      - masquerade: {source: 10.0.0.0/8}\n' >"$WORK/natonly.yaml"
rc 2 "diff of NAT without ip_forward" "$TOPO" diff "$WORK/natonly.yaml"
contains "ip_forward warning" "$WORK/out" "net.ipv4.ip_forward is 0 and the file does not set it"
nft delete table ip filter

# man page and install
ok "man -l renders" bash -c "man -l '$ROOT/cmd/topo.8' | grep -q 'declarative network-topology reconciler'"
dest=$WORK/dest
# BUILD as the Makefile names it (relative): with an absolute one, the
# dependency files of anything rebuilt here name other targets, and later
# builds stop seeing header changes for those objects.
ok "make install" make -s -C "$ROOT" install DESTDIR="$dest" PREFIX=/usr \
	BUILD="$(realpath --relative-to="$ROOT" "$(dirname "$TOPO")")"
for f in usr/bin/topo usr/share/man/man8/topo.8 usr/share/bash-completion/completions/topo usr/share/topo/topologies/seed001-bridge.yaml; do
	ok "installed $f" test -s "$dest/$f"
done
done_ok
