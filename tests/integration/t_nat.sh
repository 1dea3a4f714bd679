# NAT and forwarding through nftables: a client - router - server lab with
# DNAT of tcp 8080 on the router to the server's port 80 and the client
# network masqueraded out of the server-facing port. Real TCP; our table read
# back with nft -j; drift named and repaired; no batch when nothing changed;
# a foreign table untouched byte for byte; the foreign-drop warning.
. "$(dirname "$0")/lib.sh"
cat >"$WORK/nat.yaml" <<'YAML'
topology: natlab
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
      - dnat: {protocol: tcp, port: 8080, to: "10.2.0.2:80"}
      - masquerade: {source: 10.1.0.0/24, out: eth1}
    forward:
      - {action: accept, in: eth0, out: eth1}
  server:
    interfaces:
      eth0: {addresses: [10.2.0.2/24]}
links:
  - [client:eth0, router:eth0]
  - [router:eth1, server:eth0]
checks:
  - {from: client, tcp: "10.1.0.1:8080"}
  - {from: client, ping: 10.2.0.2}
YAML
F=$WORK/nat.yaml
# A foreign table in the router namespace, made before topo runs. (The
# namespace is ours, created by topo: add it right after the first apply.)
ok "apply" "$TOPO" apply "$F"
ip netns exec router nft -f - <<'NFT'
table ip filter {
	chain input { type filter hook input priority 0; policy accept; tcp dport 22 counter accept; }
}
NFT
ip netns exec router nft list ruleset >"$WORK/ruleset.0"
ip netns exec router nft list table ip filter >"$WORK/foreign.0"

tcp_listen server 80 "hello from the server"
ok "tcp through the dnat" "$TOPO" check "$F"
n0=$(connections_from server 80 10.2.0.1)
ok "client to router:8080" ip netns exec client nc -n -z -w 2 10.1.0.1 8080
sleep 0.2
eq "the server saw the router's address" "$(connections_from server 80 10.2.0.1)" $((n0 + 1))
eq "never the client's" "$(connections_from server 80 10.1.0.2)" 0

# Our table, read independently.
ip netns exec router nft -j list table inet topo-natlab >"$WORK/table.json"
eq "prerouting dnat" "$(jq -r '[.nftables[] | .rule? | select(.chain == "prerouting") | .expr[] | .dnat? | select(.) | "\(.addr):\(.port)"] | .[0]' "$WORK/table.json")" "10.2.0.2:80"
eq "output dnat too" "$(jq -r '[.nftables[] | .rule? | select(.chain == "output") | .expr[] | .dnat? | select(.)] | length' "$WORK/table.json")" 1
eq "masquerade" "$(jq -r '[.nftables[] | .rule? | select(.chain == "postrouting") | .expr[] | select(has("masquerade"))] | length' "$WORK/table.json")" 1
eq "forward accept" "$(jq -r '[.nftables[] | .rule? | select(.chain == "forward") | .expr[] | select(has("accept"))] | length' "$WORK/table.json")" 1
rc 0 "converged" "$TOPO" diff "$F"

# A second apply sends no nft batch: the table is the same object (same handle).
h0=$(ip netns exec router nft -j list table inet topo-natlab | jq '.nftables[] | .table? | select(.) | .handle')
ok "second apply" "$TOPO" apply -v "$F"
contains "nothing to do" "$WORK/out" "no changes"
lacks "no nft step" "$WORK/out" "nft table"
eq "same table" "$(ip netns exec router nft -j list table inet topo-natlab | jq '.nftables[] | .table? | select(.) | .handle')" "$h0"

# Drift: our postrouting chain flushed by hand.
ip netns exec router nft flush chain inet topo-natlab postrouting
rc 2 "diff sees the flushed chain" "$TOPO" diff "$F"
contains "names the rule" "$WORK/out" 'missing in chain postrouting: meta nfproto ipv4 oifname "eth1" ip saddr 10.1.0.0/24 counter masquerade'
ok "apply restores" "$TOPO" apply "$F"
rc 0 "converged again" "$TOPO" diff "$F"
ok "traffic again" "$TOPO" check "$F"

# A changed rule set: one transaction; the foreign table untouched.
sed 's/port: 8080/port: "8080-8090"/' "$F" >"$WORK/nat2.yaml"
ok "apply changed rules" "$TOPO" apply "$WORK/nat2.yaml"
ip netns exec router nft list table ip filter >"$WORK/foreign.1"
same_snapshot "foreign table after a rule change" "$WORK/foreign.0" "$WORK/foreign.1"
n0=$(connections_from server 80 10.2.0.1)
ok "a port in the range" ip netns exec client nc -n -z -w 2 10.1.0.1 8085
sleep 0.2
eq "reached the server" "$(connections_from server 80 10.2.0.1)" $((n0 + 1))

# A foreign forward chain with policy drop: a warning that names it.
ip netns exec router nft add table ip blocker
ip netns exec router nft add chain ip blocker FORWARD '{ type filter hook forward priority 0; policy drop; }'
rc 0 "diff still converged" "$TOPO" diff "$WORK/nat2.yaml"
contains "warns" "$WORK/out" "drops forwarded packets by default"
contains "names it" "$WORK/out" "blocker"
ip netns exec router nft delete table ip blocker

# Destroy: our table goes (found from the kernel), theirs stays byte for byte.
rm -f /run/topo/natlab.json
ok "destroy without the state file" "$TOPO" destroy "$WORK/nat2.yaml"
# The namespace went with it; check the rule removal in host instead:
cat >"$WORK/hostnat.yaml" <<'YAML'
topology: hostnat
namespaces:
  host:
    nat:
      - masquerade: {source: 10.50.0.0/16, out: "!br9"}
YAML
nft -f - <<'NFT'
table ip filter {
	chain FORWARD { type filter hook forward priority 0; policy accept; iifname "x" counter drop; }
}
NFT
nft list ruleset >"$WORK/host.0"
ok "apply in host" "$TOPO" apply "$WORK/hostnat.yaml"
contains "ip_forward warning" "$WORK/out" "net.ipv4.ip_forward"
ok "our table is there" nft list table inet topo-hostnat
rm -f /run/topo/hostnat.json
ok "destroy --name, no state" "$TOPO" destroy --name hostnat
nft list ruleset >"$WORK/host.1"
same_snapshot "host ruleset byte for byte" "$WORK/host.0" "$WORK/host.1"
done_ok
