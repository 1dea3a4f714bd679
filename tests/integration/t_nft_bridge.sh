# nft: in the bridge family: table bridge topo-<t>, marked like the inet
# one, filtering bridged traffic. Two hosts on a bridge in a switch
# namespace: a bridge-family rule dropping echo requests between them stops
# a bridged ping (their own namespaces have no rules); taking the rule out of
# the file lets it through and leaves no bridge table; destroy leaves the
# switch's foreign bridge table byte for byte (the switch is host here).
. "$(dirname "$0")/lib.sh"

cat >"$WORK/br.yaml" <<'YAML'
topology: brx
namespaces:
  host:
    interfaces:
      brx0: {type: bridge}
      pa: {master: brx0}
      pb: {master: brx0}
    nft:
      bridge: |
        counter dropped { }
        chain brfwd {
          type filter hook forward priority 0; policy accept;
          ether type ip icmp type echo-request counter name "dropped" drop
        }
  a:
    interfaces:
      eth0: {addresses: [10.7.0.1/24]}
  b:
    interfaces:
      eth0: {addresses: [10.7.0.2/24]}
links:
  - [host:pa, a:eth0]
  - [host:pb, b:eth0]
YAML
F=$WORK/br.yaml
nft -f - <<'NFT'
table bridge theirs {
	chain c { type filter hook input priority 10; policy accept; }
}
NFT
nft list ruleset >"$WORK/host.0"

ok "apply" "$TOPO" apply "$F"
ok "our bridge table" nft list table bridge topo-brx
contains "marked" "$WORK/out" 'comment "topo:brx managed by topo'
expect_no_ping a 10.7.0.2
d=$(nft -j list counter bridge topo-brx dropped | jq '.nftables[] | .counter? | select(.) | .packets')
[ "$d" -ge 1 ] || fail "the bridge rule did not count the dropped ping ($d)"
rc 0 "converged" "$TOPO" diff "$F"

# Drift in the bridge table: the rule deleted by hand.
h=$(nft -a list chain bridge topo-brx brfwd | awk '/icmp type echo-request/ {print $NF}')
nft delete rule bridge topo-brx brfwd handle "$h"
expect_ping a 10.7.0.2
rc 2 "drift" "$TOPO" diff "$F"
ok "repair" "$TOPO" apply "$F"
expect_no_ping a 10.7.0.2

# The text out of the file: the bridge table goes, the ping passes.
sed '/^    nft:$/,/^  a:$/{/^  a:$/!d}' "$F" >"$WORK/plain.yaml"
ok "apply without text" "$TOPO" apply "$WORK/plain.yaml"
rc 1 "no bridge table" nft list table bridge topo-brx
expect_ping a 10.7.0.2
rc 0 "converged" "$TOPO" diff "$WORK/plain.yaml"

ok "text back" "$TOPO" apply "$F"
ok "destroy" "$TOPO" destroy "$F"
nft list ruleset >"$WORK/host.1"
same_snapshot "host ruleset byte for byte" "$WORK/host.0" "$WORK/host.1"
done_ok
