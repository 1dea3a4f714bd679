# nft: text, still owned. A stateful firewall written in nft's own language
# (a set, a named counter, policy drop, ct state) inside inet topo-<t>, and
# a bridge-family table topo-<t>: real TCP through it (port 80 passes, 81
# does not, replies flow, the server cannot open a connection back), the
# counter counting pings. A syntax error reported at the YAML line and
# column, nothing applied. The same meaning re-spelled by hand is not drift;
# a rule deleted or a policy flipped by hand is, and is repaired. Foreign
# tables of our names are conflicts. A refused load and a failure after the
# nft step roll back to the identical ruleset; destroy leaves a foreign
# table byte for byte.
. "$(dirname "$0")/lib.sh"

listeners=""
stop_listeners() {
	local p
	for p in $listeners; do kill $(pgrep -P "$p") "$p" 2>/dev/null || true; done
}
trap 'stop_listeners; rm -rf "$WORK"' EXIT

cat >"$WORK/fw.yaml" <<'YAML'
topology: fw
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
    nft:
      inet: |
        set web { type inet_service; elements = { 80 }; }
        counter pings { }
        chain fw {
          type filter hook forward priority filter; policy drop;
          ct state established,related accept
          icmp type echo-request counter name "pings" accept
          iifname "eth0" tcp dport @web accept
        }
      bridge: |
        chain brfwd {
          type filter hook forward priority 0; policy accept;
          ether type arp accept
        }
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

# 1. A syntax error: FILE:LINE:COL inside the block scalar, exit 1, nothing made.
sed 's/iifname "eth0" tcp dport @web accept/iifname "eth0" tcp dportt @web accept/' "$F" >"$WORK/bad.yaml"
line=$(grep -n 'dportt' "$WORK/bad.yaml" | cut -d: -f1)
col=$(( $(grep 'dportt' "$WORK/bad.yaml" | awk '{print index($0, "dportt")}') ))
rc 1 "syntax error refused" "$TOPO" apply "$WORK/bad.yaml"
contains "at the YAML line and column" "$WORK/out" "$WORK/bad.yaml:$line:$col: nft: syntax error"
rc 1 "validate too" "$TOPO" validate "$WORK/bad.yaml"
contains "validate names it" "$WORK/out" "$WORK/bad.yaml:$line:$col: nft: syntax error"
eq "nothing applied" "$(ip netns list | wc -l)" 0
# A set that does not exist: libnftables' evaluation, same mapping.
sed 's/tcp dport @web accept/tcp dport @nosuch accept/' "$F" >"$WORK/bad2.yaml"
line=$(grep -n '@nosuch' "$WORK/bad2.yaml" | cut -d: -f1)
col=$(grep '@nosuch' "$WORK/bad2.yaml" | awk '{print index($0, "@nosuch")}')
rc 1 "unknown set refused" "$TOPO" validate "$WORK/bad2.yaml"
contains "unknown set at its place" "$WORK/out" "$WORK/bad2.yaml:$line:$col: nft:"
# Escaping the table: the loader's own check.
sed 's/^        counter pings { }/        counter pings { } }\n        table ip evil {/' "$F" >"$WORK/bad3.yaml"
rc 1 "a '}' closing topo's table refused" "$TOPO" validate "$WORK/bad3.yaml"
contains "says why" "$WORK/out" "it would close the table topo wraps the text in"

# 2. Apply; the kernel holds the text, in our tables, marked.
ok "apply" "$TOPO" apply "$F"
nsx router nft list table inet topo-fw >"$WORK/inet.txt"
contains "the set" "$WORK/inet.txt" "set web {"
contains "the chain" "$WORK/inet.txt" "chain fw {"
contains "marked" "$WORK/inet.txt" 'comment "topo:fw managed by topo'
nsx router nft list table bridge topo-fw >"$WORK/bridge.txt"
contains "bridge table marked" "$WORK/bridge.txt" 'comment "topo:fw managed by topo'
contains "bridge chain" "$WORK/bridge.txt" "chain brfwd {"
rc 0 "converged" "$TOPO" diff "$F"
ok "second apply" "$TOPO" apply -v "$F"
lacks "no nft step" "$WORK/out" "nft table"

# 3. Traffic: the firewall works.
tcp_listen server 80 "web"
listeners="$listeners $!"
tcp_listen server 81 "other"
listeners="$listeners $!"
tcp_listen client 22 "ssh"
listeners="$listeners $!"
eq "client to server:80, the reply back" "$(nsx client nc -n -w 2 10.2.0.2 80 </dev/null | head -c 3)" "web"
ok "client to server:80 (in the set)" nsx client nc -n -z -w 2 10.2.0.2 80
rc 1 "client to server:81 (policy drop)" nsx client nc -n -z -w 1 10.2.0.2 81
rc 1 "server to client:22 (new from outside)" nsx server nc -n -z -w 1 10.1.0.2 22
p0=$(nsx router nft -j list counter inet topo-fw pings | jq '.nftables[] | .counter? | select(.) | .packets')
expect_ping client 10.2.0.2
p1=$(nsx router nft -j list counter inet topo-fw pings | jq '.nftables[] | .counter? | select(.) | .packets')
[ "$p1" -gt "$p0" ] || fail "the named counter did not count the ping ($p0 -> $p1)"

# 4. The same meaning, re-spelled by hand (numbers for names, unquoted
# names, another priority spelling, the ct states in another order): the
# kernel lists it the same, so it is not drift.
nsx router nft -f - <<'NFT'
delete chain inet topo-fw fw
table inet topo-fw {
	chain fw {
		type filter hook forward priority 0; policy drop;
		ct state related,established accept
		icmp type 8 counter name pings accept
		iifname eth0 tcp dport @web accept
	}
}
NFT
rc 0 "re-spelled by hand: converged" "$TOPO" diff "$F"

# 5. Drift: a rule deleted by hand, then a policy flipped.
h=$(nsx router nft -a list chain inet topo-fw fw | awk '/tcp dport @web accept/ {print $NF}')
nsx router nft delete rule inet topo-fw fw handle "$h"
rc 1 "port 80 now dropped" nsx client nc -n -z -w 1 10.2.0.2 80
rc 2 "diff sees the deleted rule" "$TOPO" diff "$F"
contains "says the tables changed by hand" "$WORK/out" "changed by hand"
ok "apply repairs" "$TOPO" apply "$F"
rc 0 "converged again" "$TOPO" diff "$F"
ok "port 80 again" nsx client nc -n -z -w 2 10.2.0.2 80
nsx router nft chain inet topo-fw fw '{ policy accept; }'
rc 2 "a flipped policy is drift" "$TOPO" diff "$F"
ok "apply repairs the policy" "$TOPO" apply "$F"
rc 1 "port 81 dropped again" nsx client nc -n -z -w 1 10.2.0.2 81
# A set element added by hand, the bridge table emptied by hand.
nsx router nft add element inet topo-fw web '{ 81 }'
rc 2 "an element added by hand is drift" "$TOPO" diff "$F"
ok "apply" "$TOPO" apply "$F"
nsx router nft flush table bridge topo-fw
rc 2 "a flushed bridge table is drift" "$TOPO" diff "$F"
ok "apply" "$TOPO" apply "$F"
rc 0 "converged" "$TOPO" diff "$F"
# The record itself deleted (as a crash between the two transactions would
# leave it): the text counts as not loaded, and is loaded again.
nsx router nft delete chain inet topo-fw topo-state
rc 2 "no record: not loaded" "$TOPO" diff "$F"
contains "says so" "$WORK/out" "nft: the text is not loaded"
ok "apply" "$TOPO" apply "$F"
rc 0 "converged" "$TOPO" diff "$F"
# A forged record (the right text hash, another listing): drift.
rec=$(nsx router nft list chain inet topo-fw topo-state | sed -n 's/.*comment "\(.*\)"/\1/p')
nsx router nft delete chain inet topo-fw topo-state
nsx router nft add chain inet topo-fw topo-state "{ comment \"${rec% *} 0000000000000000\"; }"
rc 2 "a record that does not match the listing" "$TOPO" diff "$F"
ok "apply" "$TOPO" apply "$F"
rc 0 "converged" "$TOPO" diff "$F"

# 6. A changed text: one step, the new element works.
sed 's/elements = { 80 }/elements = { 80, 81 }/' "$F" >"$WORK/fw2.yaml"
rc 2 "diff names the change" "$TOPO" diff "$WORK/fw2.yaml"
contains "the text changed" "$WORK/out" "the text changed since it was loaded"
ok "apply the change" "$TOPO" apply "$WORK/fw2.yaml"
ok "port 81 now passes" nsx client nc -n -z -w 2 10.2.0.2 81
rc 0 "converged" "$TOPO" diff "$WORK/fw2.yaml"

# 7. Rollback. (a) The kernel refuses the text (an interface the dry run
# cannot know about): the step is undone, then the whole apply.
settled "$WORK/before"
sed 's/iifname "eth0" tcp dport/iif "nosuch0" tcp dport/' "$F" >"$WORK/refused.yaml"
rc 1 "a text the kernel refuses" "$TOPO" apply "$WORK/refused.yaml"
contains "libnftables says why" "$WORK/out" "Interface does not exist"
line=$(grep -n 'nosuch0' "$WORK/refused.yaml" | cut -d: -f1)
col=$(grep 'nosuch0' "$WORK/refused.yaml" | awk '{print index($0, "\"nosuch0\"")}')
contains "and where, in the file" "$WORK/out" "(at file line $line, column $col)"
contains "rolled back" "$WORK/out" "rolled back"
settled_like "$WORK/before" "$WORK/after"
same_snapshot "rollback of a refused text" "$WORK/before" "$WORK/after"
# (b) A failure at every step of an update (the nft step and a later one:
# server gets a text too, so its step comes after router's).
sed 's/^  server:$/  server:\n    nft: |\n      chain in { type filter hook input priority 0; policy accept; }/' "$F" >"$WORK/upd.yaml"
sed -i 's/elements = { 80 }/elements = { 80, 443 }/' "$WORK/upd.yaml"
"$TOPO" diff --json "$WORK/upd.yaml" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
[ "$n" -ge 2 ] || fail "update plan too small ($n steps)"
for k in $(seq 1 "$n"); do
	rc 1 "fail at step $k of $n" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/upd.yaml"
	contains "rolled back at $k" "$WORK/out" "rolled back"
	settled_like "$WORK/before" "$WORK/after"
	same_snapshot "rollback after step $k" "$WORK/before" "$WORK/after"
done
rc 0 "still converged on the applied file" "$TOPO" diff "$WORK/fw2.yaml"

# 8. Foreign tables of our names: conflicts, nothing changed.
nsx server nft add table bridge topo-fw
settled "$WORK/before"
sed 's/^  server:$/  server:\n    nft:\n      bridge: |\n        chain x { type filter hook forward priority 0; }/' "$F" >"$WORK/upd2.yaml"
rc 1 "conflict: bridge table without our mark" "$TOPO" apply "$WORK/upd2.yaml"
contains "names it" "$WORK/out" "nft table bridge topo-fw in namespace server exists and was not made by topo"
settled_like "$WORK/before" "$WORK/after"
same_snapshot "nothing changed on a conflict" "$WORK/before" "$WORK/after"
nsx server nft delete table bridge topo-fw

# 9. The text removed from the file: its objects, the record and the bridge
# table go; the namespace's structured rules (none) stay as declared.
sed '/^    nft:$/,/^  server:$/{/^  server:$/!d}' "$F" >"$WORK/plain.yaml"
ok "apply without text" "$TOPO" apply "$WORK/plain.yaml"
rc 1 "no bridge table left" nsx router nft list table bridge topo-fw
rc 0 "converged without text" "$TOPO" diff "$WORK/plain.yaml"
ok "text back" "$TOPO" apply "$F"

# 9b. Export writes the text back as nft: per family (the kernel's own
# listing of inet and bridge topo-fw, without the record): converged as it
# is, a policy flipped by hand still drift for it, and after destroy it
# rebuilds the same listing (stateless: the counters start again; the
# record's text half is the export's).
ok "export" "$TOPO" export "$F"
cp "$WORK/out" "$WORK/exp.yaml"
contains "inet as a family" "$WORK/exp.yaml" "      inet: |"
contains "bridge as a family" "$WORK/exp.yaml" "      bridge: |"
contains "the set" "$WORK/exp.yaml" "set web {"
contains "the named counter" "$WORK/exp.yaml" "counter pings {"
lacks "not the record" "$WORK/exp.yaml" "topo-state"
lacks "nothing left out" "$WORK/exp.yaml" "not exported"
rc 0 "the export is converged" "$TOPO" diff "$WORK/exp.yaml"
listing() { nsx router nft -s list ruleset | grep -v 'topo nft text'; }
listing >"$WORK/list.0"
nsx router nft chain bridge topo-fw brfwd '{ policy drop; }'
rc 2 "a flipped policy is drift for the export too" "$TOPO" diff "$WORK/exp.yaml"
ok "the export repairs it" "$TOPO" apply "$WORK/exp.yaml"
ok "destroy" "$TOPO" destroy "$F"
ok "the export applied from nothing" "$TOPO" apply "$WORK/exp.yaml"
rc 0 "converged" "$TOPO" diff "$WORK/exp.yaml"
listing >"$WORK/list.1"
diff "$WORK/list.0" "$WORK/list.1" >&2 || fail "the export rebuilt another listing"
expect_ping client 10.2.0.2
ok "the original file again" "$TOPO" apply "$F"
rc 0 "converged" "$TOPO" diff "$F"

# 10. Destroy: our tables go, a foreign table stays byte for byte. (In
# host, which outlives the topology.)
ok "destroy" "$TOPO" destroy "$F"
eq "namespaces gone" "$(ip netns list | wc -l)" 0
nft -f - <<'NFT'
table ip theirs {
	set s { type ipv4_addr; elements = { 192.0.2.1 }; }
	chain c { type filter hook input priority 10; policy accept; ip saddr @s counter drop; }
}
NFT
nft list ruleset >"$WORK/host.0"
cat >"$WORK/host.yaml" <<'YAML'
topology: fwhost
namespaces:
  host:
    nft:
      inet: |
        counter c9 { }
        chain in { type filter hook input priority 0; policy accept; tcp dport 9 counter name c9 drop; }
      bridge: |
        chain b { type filter hook forward priority 0; policy accept; }
YAML
# An unmarked inet topo-<t> in a namespace topo did not create: a conflict.
nft add table inet topo-fwhost
rc 1 "conflict: inet table without our mark" "$TOPO" apply "$WORK/host.yaml"
contains "names it" "$WORK/out" "nft table inet topo-fwhost in namespace host exists and was not made by topo"
nft delete table inet topo-fwhost
ok "apply in host" "$TOPO" apply "$WORK/host.yaml"
ok "ours is there" nft list table bridge topo-fwhost
rc 0 "converged" "$TOPO" diff "$WORK/host.yaml"
ok "destroy" "$TOPO" destroy "$WORK/host.yaml"
nft list ruleset >"$WORK/host.1"
same_snapshot "host ruleset byte for byte after destroy" "$WORK/host.0" "$WORK/host.1"
done_ok
