# filter: structured firewall rules. A stateful firewall lab (client -
# router - server) with forward policy drop, established/related accepted,
# tcp 80 from the client side accepted through a user chain: nc to 80 works
# and its reply comes back, 81 does not, the server cannot open a connection
# to the client; an input chain with reject tcp-reset refuses at once. The
# same rules typed by hand in another spelling are converged; a deleted rule
# and a flipped policy are drift, repaired. A libnftables refusal lands on
# the rule's line. Rollback leaves the ruleset identical; so does destroy
# for a foreign table (in host). The router is Docker's FORWARD pattern: a
# published port (dnat) through policy drop + established + the service.
. "$(dirname "$0")/lib.sh"

listeners=""
stop_listeners() {
	local p
	for p in $listeners; do kill $(pgrep -P "$p") "$p" 2>/dev/null || true; done
}
trap 'stop_listeners; rm -rf "$WORK"' EXIT

cat >"$WORK/fw.yaml" <<'YAML'
topology: flt
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
    # Docker's pattern: a published port (dnat, the structured nat chains)
    # through a forward policy drop that accepts established traffic and the
    # published service (filter: chains beside them in the same table).
    nat:
      - dnat: {protocol: tcp, port: 8080, to: "10.2.0.2:80"}
    filter:
      chains:
        web:
          - {protocol: tcp, dport: 80, counter: true, action: accept}
          - {action: return}
      forward:
        policy: drop
        rules:
          - {ct_state: [established, related], action: accept}
          - {protocol: icmp, icmp_type: echo-request, action: accept}
          - {in: eth0, out: eth1, source: 10.1.0.0/24, jump: web}
      input:
        rules:
          - {protocol: tcp, dport: 2222, action: reject, reject_with: tcp-reset}
  server:
    interfaces:
      eth0: {addresses: [10.2.0.2/24]}
    routes:
      - {to: default, via: 10.2.0.1}
links:
  - [client:eth0, router:eth0]
  - [router:eth1, server:eth0]
YAML
F=$WORK/fw.yaml

# A rule libnftables refuses: reported on that rule's line, nothing applied.
sed 's/icmp_type: echo-request/icmp_type: echo-requestt/' "$F" >"$WORK/bad.yaml"
line=$(grep -n 'echo-requestt' "$WORK/bad.yaml" | cut -d: -f1)
rc 1 "a bad icmp type" "$TOPO" apply "$WORK/bad.yaml"
contains "on the rule's line" "$WORK/out" "$WORK/bad.yaml:$line:13: nft refuses this rule"
eq "nothing applied" "$(ip netns list | wc -l)" 0

ok "apply" "$TOPO" apply "$F"
rc 0 "converged" "$TOPO" diff "$F"
nsx router nft -j list chain inet topo-flt filter_forward >"$WORK/fwd.json"
eq "policy drop" "$(jq -r '.nftables[] | .chain? | select(.) | .policy' "$WORK/fwd.json")" "drop"

tcp_listen server 80 "web"
listeners="$listeners $!"
tcp_listen server 81 "other"
listeners="$listeners $!"
tcp_listen client 22 "ssh"
listeners="$listeners $!"
tcp_listen router 2222 "never"
listeners="$listeners $!"
eq "client to server:80, the reply back" "$(nsx client nc -n -w 2 10.2.0.2 80 </dev/null | head -c 3)" "web"
rc 1 "client to server:81 dropped" nsx client nc -n -z -w 1 10.2.0.2 81
rc 1 "server to client:22 dropped (not established)" nsx server nc -n -z -w 1 10.1.0.2 22
expect_ping client 10.2.0.2
n0=$(connections_from server 80 10.1.0.2)
ok "the published port 8080 reaches server:80" nsx client nc -n -z -w 2 10.1.0.1 8080
sleep 0.2
eq "seen by the server from the client" "$(connections_from server 80 10.1.0.2)" $((n0 + 1))
t0=$EPOCHREALTIME
rc 1 "router:2222 rejected" nsx client nc -n -z -w 3 10.1.0.1 2222
awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a < 1.5) }' || fail "reject took the timeout: not a tcp reset"
c=$(nsx router nft -j list chain inet topo-flt filter_web | jq '[.nftables[] | .rule? | select(.) | .expr[] | .counter? | select(.) | .packets] | .[0]')
[ "$c" -ge 1 ] || fail "the web chain's counter did not count ($c)"

# Typed by hand in other words, same objects: converged.
nsx router nft -f - <<'NFT'
flush chain inet topo-flt filter_forward
table inet topo-flt {
	chain filter_forward {
		ct state related,established accept
		icmp type 8 accept
		iifname eth0 oifname eth1 ip saddr 10.1.0.0/24 jump filter_web
	}
}
NFT
rc 0 "re-spelled by hand: converged" "$TOPO" diff "$F"

# Drift: a deleted rule, a flipped policy.
h=$(nsx router nft -a list chain inet topo-flt filter_forward | awk '/ct state established,related accept/ {print $NF}')
nsx router nft delete rule inet topo-flt filter_forward handle "$h"
rc 1 "replies dropped now" nsx client nc -n -z -w 1 10.2.0.2 80
rc 2 "a deleted rule is drift" "$TOPO" diff "$F"
ok "apply repairs" "$TOPO" apply "$F"
ok "replies again" nsx client nc -n -z -w 2 10.2.0.2 80
nsx router nft chain inet topo-flt filter_forward '{ policy accept; }'
rc 2 "a flipped policy is drift" "$TOPO" diff "$F"
ok "apply repairs" "$TOPO" apply "$F"
rc 1 "81 dropped again" nsx client nc -n -z -w 1 10.2.0.2 81
rc 0 "converged" "$TOPO" diff "$F"

# Rollback: every step of an update that changes the rules and adds a
# filter in server (its step after router's).
settled "$WORK/before"
sed -e 's/dport: 80, counter/dport: [80, 81], counter/' \
    -e 's/^  server:$/  server:\n    filter:\n      input: {policy: accept, rules: [{protocol: tcp, dport: 9, action: drop}]}/' \
    "$F" >"$WORK/upd.yaml"
"$TOPO" diff --json "$WORK/upd.yaml" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
[ "$n" -ge 2 ] || fail "update plan too small ($n steps)"
for k in $(seq 1 "$n"); do
	rc 1 "fail at step $k of $n" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/upd.yaml"
	settled_like "$WORK/before" "$WORK/after"
	same_snapshot "rollback after step $k" "$WORK/before" "$WORK/after"
done
ok "the update" "$TOPO" apply "$WORK/upd.yaml"
ok "81 now passes" nsx client nc -n -z -w 2 10.2.0.2 81

# Export writes the filter: chains back as nft: (the kernel's own listing,
# without topo's record): converged against the live tables, a rule deleted
# by hand still drift for it, and after destroy it rebuilds the same listing.
ok "export" "$TOPO" export "$WORK/upd.yaml"
cp "$WORK/out" "$WORK/exp.yaml"
contains "as nft text" "$WORK/exp.yaml" "chain filter_forward {"
contains "server's too" "$WORK/exp.yaml" "tcp dport 9 drop"
lacks "not the record" "$WORK/exp.yaml" "topo-state"
lacks "nothing left out" "$WORK/exp.yaml" "not exported"
rc 0 "the export is converged" "$TOPO" diff "$WORK/exp.yaml"
# (stateless: counters start again; the record's text half is the export's.)
for n in router server; do nsx $n nft -s list table inet topo-flt | grep -v 'topo nft text' >"$WORK/list-$n.0"; done
h=$(nsx server nft -a list chain inet topo-flt filter_input | awk '/tcp dport 9 drop/ {print $NF}')
nsx server nft delete rule inet topo-flt filter_input handle "$h"
rc 2 "a deleted rule is drift for the export too" "$TOPO" diff "$WORK/exp.yaml"
ok "the export repairs it" "$TOPO" apply "$WORK/exp.yaml"
rc 0 "converged" "$TOPO" diff "$WORK/exp.yaml"
ok "destroy" "$TOPO" destroy "$WORK/upd.yaml"
ok "the export applied from nothing" "$TOPO" apply "$WORK/exp.yaml"
rc 0 "converged" "$TOPO" diff "$WORK/exp.yaml"
for n in router server; do
	nsx $n nft -s list table inet topo-flt | grep -v 'topo nft text' >"$WORK/list-$n.1"
	diff "$WORK/list-$n.0" "$WORK/list-$n.1" >&2 || fail "$n: the export rebuilt another listing"
done
ok "destroy" "$TOPO" destroy "$WORK/exp.yaml"

# In host: a foreign table stays byte for byte through apply and destroy.
nft -f - <<'NFT'
table inet docker_like {
	chain FORWARD { type filter hook forward priority 0; policy drop; ct state established,related accept; }
}
NFT
nft list ruleset >"$WORK/host.0"
cat >"$WORK/host.yaml" <<'YAML'
topology: flthost
namespaces:
  host:
    filter:
      forward:
        rules:
          - {in: br-lab, action: accept}
YAML
ok "apply in host" "$TOPO" apply "$WORK/host.yaml"
ok "ours there" nft list chain inet topo-flthost filter_forward
nft list table inet docker_like >"$WORK/theirs.1"
nft list table inet docker_like | diff - <(sed -n '/^table inet docker_like/,/^}/p' "$WORK/host.0") >/dev/null ||
	fail "the foreign table changed"
ok "destroy" "$TOPO" destroy "$WORK/host.yaml"
nft list ruleset >"$WORK/host.1"
same_snapshot "host ruleset byte for byte" "$WORK/host.0" "$WORK/host.1"
done_ok
