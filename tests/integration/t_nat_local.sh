# A dnat without `destination` matches "an address of this namespace"
# (fib daddr type local) in prerouting and output. In output it must never
# take loopback: a program on the host that connects to 127.0.0.1:PORT (or
# [::1]:PORT) reaches its own local listener, as with Docker's rule (which
# excludes 127.0.0.0/8). Rewritten, such a connection would leave with a
# loopback source and be dropped: it timed out. The host's other addresses
# are still rewritten. No Docker needed.
. "$(dirname "$0")/lib.sh"
cat >"$WORK/local.yaml" <<'YAML'
topology: natlocal
namespaces:
  host:
    interfaces:
      to-srv: {addresses: [10.3.0.1/24, "fd03::1/64"]}
    nat:
      - dnat: {protocol: tcp, port: 8080, to: "10.3.0.2:80"}
      - dnat: {protocol: tcp, port: 8080, to: "[fd03::2]:80"}
  server:
    interfaces:
      eth0: {addresses: [10.3.0.2/24, "fd03::2/64"]}
links:
  - [host:to-srv, server:eth0]
YAML
F=$WORK/local.yaml
ok "apply" "$TOPO" apply "$F"
rc 0 "converged: the live rules read back as rendered" "$TOPO" diff "$F"
# IPv6 addresses usable (DAD done) on both ends.
for _ in $(seq 60); do
	[ -z "$(ip -6 addr show tentative; ip netns exec server ip -6 addr show tentative)" ] && break
	sleep 0.1
done

# Our output chain, read independently: the loopback exclusion is there.
nft -j list chain inet topo-natlocal output >"$WORK/out.json"
eq "127.0.0.0/8 excluded" "$(jq -r '[.nftables[] | .rule? | select(.) | .expr[] | .match? | select(. and .op == "!=" and .left.payload.field == "daddr") | .right | if type == "object" then "\(.prefix.addr)/\(.prefix.len)" else . end] | join(",")' "$WORK/out.json")" "127.0.0.0/8,::1"
nft -j list chain inet topo-natlocal prerouting >"$WORK/pre.json"
eq "prerouting unchanged: no exclusion there" "$(jq '[.nftables[] | .rule? | select(.) | .expr[] | .match? | select(. and .op == "!=")] | length' "$WORK/pre.json")" 0

# A local listener on the dnat's port, IPv4 and IPv6, and the lab's server.
# (nc -k outlives the test unless stopped: the EXIT trap ends ours by pid,
# tcp_listen's nc being the child of its last background job.)
tcp_listen host 8080 "local"
listeners=$!
stop_listeners() {
	local p
	for p in $listeners; do kill $(pgrep -P "$p") "$p" 2>/dev/null || true; done
}
trap 'stop_listeners; rm -rf "$WORK"' EXIT
nc -6 -v -lk -n ::1 8080 < <(sleep 600) >>"$WORK/listen6.log" 2>&1 &
listeners="$listeners $!"
for _ in $(seq 50); do ss -Hltn 'sport = :8080' | grep -qF '[::1]' && break; sleep 0.05; done
tcp_listen server 80 "server"
listeners="$listeners $!"
ip netns exec server nc -6 -v -lk -n 80 < <(sleep 600) >>"$WORK/server6.log" 2>&1 &
listeners="$listeners $!"
for _ in $(seq 50); do ip netns exec server ss -Hltn 'sport = :80' | grep -qF '[::]' && break; sleep 0.05; done

ok "127.0.0.1:8080 reaches the local listener" nc -n -z -w 3 127.0.0.1 8080
ok "127.0.0.2:8080 too (all of 127.0.0.0/8)" nc -n -z -w 3 127.0.0.2 8080
sleep 0.2
# (Both leave from 127.0.0.1, lo's address.)
eq "the local listener saw both" "$(connections_from host 8080 127.0.0.1)" 2
eq "the server saw none of them" "$(grep -c 'Connection received' "$WORK/listen-server-80.log" || true)" 0
ok "[::1]:8080 reaches the local IPv6 listener" nc -6 -n -z -w 3 ::1 8080
sleep 0.2
eq "the IPv6 listener saw ::1" "$(grep -c 'Connection received on ::1 ' "$WORK/listen6.log" || true)" 1

# The host's own lab address is still rewritten in output: the exclusion
# takes loopback only.
ok "10.3.0.1:8080 from the host is rewritten" nc -n -z -w 3 10.3.0.1 8080
ok "[fd03::1]:8080 too" nc -6 -n -z -w 3 fd03::1 8080
sleep 0.2
eq "the server saw the host's connections" "$(grep -c 'Connection received on 10.3.0.1 ' "$WORK/listen-server-80.log" || true)" 1
eq "IPv6 as well" "$(grep -c 'Connection received on fd03::1 ' "$WORK/server6.log" || true)" 1
eq "none went to the local listener" "$(connections_from host 8080 10.3.0.1)" 0

# The exclusion deleted by hand is drift, named by diff and repaired by apply.
h=$(nft -j list chain inet topo-natlocal output | jq '[.nftables[] | .rule? | select(.)][0].handle')
nft replace rule inet topo-natlocal output handle "$h" meta nfproto ipv4 fib daddr type local meta l4proto tcp th dport 8080 counter dnat ip to 10.3.0.2:80
rc 2 "diff sees the lost exclusion" "$TOPO" diff "$F"
contains "names the rule" "$WORK/out" 'ip daddr != 127.0.0.0/8 fib daddr type local'
ok "apply repairs" "$TOPO" apply "$F"
rc 0 "converged again" "$TOPO" diff "$F"
ok "127.0.0.1:8080 local again" nc -n -z -w 3 127.0.0.1 8080

ok "destroy" "$TOPO" destroy "$F"
! nft list table inet topo-natlocal >/dev/null 2>&1 || fail "our table left behind"
done_ok
