# nat: beyond what topo builds as expressions: redirect to a local port,
# dnat to a port only (the address stays), icmp dnat to an address,
# masquerade to a port range with fully-random, persistent. Such rules go as
# nft text (all of a namespace's nat rules, in file order); real traffic for
# each; a structured nat lab turned into one in one step; drift by hand
# repaired; rollback at every step of that change leaves the ruleset
# identical.
. "$(dirname "$0")/lib.sh"

listeners=""
stop_listeners() {
	local p
	for p in $listeners; do kill $(pgrep -P "$p") "$p" 2>/dev/null || true; done
}
trap 'stop_listeners; rm -rf "$WORK"' EXIT

cat >"$WORK/plain.yaml" <<'YAML'
topology: nx
namespaces:
  client:
    interfaces:
      eth0: {addresses: [10.1.0.2/24]}
    routes:
      - {to: default, via: 10.1.0.1}
  router:
    sysctls: {net.ipv4.ip_forward: 1}
    interfaces:
      eth0: {addresses: [10.1.0.1/24]}
      eth1: {addresses: [10.2.0.1/24]}
    nat:
      - dnat: {protocol: tcp, port: 8082, to: "10.2.0.2:80"}
      - masquerade: {source: 10.1.0.0/24, out: eth1}
  server:
    interfaces:
      eth0: {addresses: [10.2.0.2/24]}
links:
  - [client:eth0, router:eth0]
  - [router:eth1, server:eth0]
YAML
sed 's|^      - dnat: {protocol: tcp, port: 8082, to: "10.2.0.2:80"}|      - redirect: {protocol: tcp, port: 8080, to: ":3000", in: eth0}\n      - dnat: {protocol: tcp, port: 8081, to: ":3001"}\n      - dnat: {protocol: tcp, port: 8082, to: "10.2.0.2:80"}\n      - dnat: {protocol: icmp, destination: 10.9.0.99/32, to: 10.2.0.2}\n      - masquerade: {source: 10.1.0.0/24, out: eth1, protocol: tcp, ports: "20000-20010", fully_random: true}|; s|^      - masquerade: {source: 10.1.0.0/24, out: eth1}$|      - masquerade: {source: 10.1.0.0/24, out: eth1, persistent: true}|' \
	"$WORK/plain.yaml" >"$WORK/ext.yaml"
F=$WORK/ext.yaml
grep -q redirect "$F" || fail "the test's file was not made"

# Bad input, no kernel needed: exact positions.
sed 's|to: ":3000", in: eth0|to: "3000", in: eth0|' "$F" >"$WORK/bad.yaml"
rc 1 "redirect to without a colon" "$TOPO" validate "$WORK/bad.yaml"
contains "says how" "$WORK/out" 'to must be ":PORT" or ":LOW-HIGH"'
sed 's|ports: "20000-20010", fully_random: true|ports: "20000-20010", fully_random: true, random: true|' "$F" >"$WORK/bad2.yaml"
rc 1 "random and fully_random" "$TOPO" validate "$WORK/bad2.yaml"
contains "exclusive" "$WORK/out" "random and fully_random exclude each other"

# The structured lab first, then the change to text in one step.
ok "apply the structured lab" "$TOPO" apply "$WORK/plain.yaml"
settled "$WORK/before"
"$TOPO" diff --json "$F" >"$WORK/plan.json" || true
eq "one nft step" "$(jq '[.steps[] | select(.op | test("nft"))] | length' "$WORK/plan.json")" 1
n=$(jq '.steps | length' "$WORK/plan.json")
for k in $(seq 1 "$n"); do
	rc 1 "fail at step $k of $n" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$F"
	settled_like "$WORK/before" "$WORK/after"
	same_snapshot "rollback after step $k" "$WORK/before" "$WORK/after"
done
ok "apply the extended nat" "$TOPO" apply "$F"
rc 0 "converged" "$TOPO" diff "$F"
nsx router nft list table inet topo-nx >"$WORK/t.txt"
lacks "no structured nat chain left" "$WORK/t.txt" "chain postrouting {"
contains "text chains" "$WORK/t.txt" "chain nat_postrouting {"

tcp_listen router 3000 "redirected"
listeners="$listeners $!"
tcp_listen router 3001 "port-only"
listeners="$listeners $!"
tcp_listen server 80 "server"
listeners="$listeners $!"

# redirect: to any address, port 8080, lands on the router's port 3000.
eq "redirect to a local port" "$(nsx client nc -n -w 2 10.2.0.2 8080 </dev/null | head -c 10)" "redirected"
# dnat to a port only: the router's address, port 8081 -> 3001.
eq "port-only dnat" "$(nsx client nc -n -w 2 10.1.0.1 8081 </dev/null | head -c 9)" "port-only"
# dnat with address: to the server's 80, the source masqueraded within the range.
eq "dnat to the server" "$(nsx client nc -n -w 2 10.1.0.1 8082 </dev/null | head -c 6)" "server"
ok "client to server directly" nsx client nc -n -z -w 2 10.2.0.2 80
sleep 0.3
ports=$(grep -o 'Connection received on 10.2.0.1 [0-9]*' "$WORK/listen-server-80.log" | awk '{print $5}')
[ -n "$ports" ] || fail "the server saw no masqueraded connection"
for p in $ports; do
	[ "$p" -ge 20000 ] && [ "$p" -le 20010 ] || fail "a masqueraded source port $p outside 20000-20010"
done
# icmp dnat: a ping to an address nobody has reaches the server.
expect_ping client 10.9.0.99

# Drift by hand: the masquerade's port range rule deleted.
h=$(nsx router nft -a list chain inet topo-nx nat_postrouting | awk '/masquerade to :20000-20010/ {print $NF}')
nsx router nft delete rule inet topo-nx nat_postrouting handle "$h"
rc 2 "drift" "$TOPO" diff "$F"
ok "repaired" "$TOPO" apply "$F"
rc 0 "converged" "$TOPO" diff "$F"

# Back to the structured rules: the text chains go.
ok "back to plain" "$TOPO" apply "$WORK/plain.yaml"
nsx router nft list table inet topo-nx >"$WORK/t2.txt"
lacks "no text chain left" "$WORK/t2.txt" "nat_postrouting"
lacks "no record left" "$WORK/t2.txt" "topo-state"
rc 0 "converged" "$TOPO" diff "$WORK/plain.yaml"
ok "destroy" "$TOPO" destroy "$WORK/plain.yaml"
done_ok
