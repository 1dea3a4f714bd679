# Every --json output is valid JSON whatever bytes the kernel's names hold
# (an interface name may be any bytes but '/', ':', blanks and NUL; not
# '%' either: the kernel reads it as a "%d" template), by model/json.h's
# rule: valid UTF-8 as it is, '%' and every other byte as %XX. A link named
# $'\xff\xfe' with a peer $'p\xe9' is made by hand in a topology's
# namespace and marked as the topology's (so show lists it and the diff
# would remove it): show --json, diff --json, apply --json and the state
# file are valid UTF-8 (iconv) and parse with jq, and each %XX name decodes
# to the kernel's exact bytes (read independently from /sys/class/net). show's text is the same
# document: its lines carry the raw bytes and agree with the JSON.
. "$(dirname "$0")/lib.sh"
F=$WORK/j.yaml
cat >"$F" <<'YAML'
topology: jsonlab
namespaces:
  host:
    interfaces:
      jh0: {addresses: [10.77.0.1/24]}
  jn:
    sysctls:
      net.ipv4.ip_forward: 1
    interfaces:
      eth0: {addresses: [10.77.0.2/24]}
links:
  - [host:jh0, jn:eth0]
YAML
ok "apply" "$TOPO" apply "$F"

# decode: the rule's reverse (perl, not topo, so the check is independent).
decode() { perl -pe 's/%([0-9A-Fa-f]{2})/chr(hex($1))/ge'; }
hex() { od -An -tx1 | tr -d ' \n'; }

ip -n jn link add $'\xff\xfe' type veth peer name $'p\xe9'
ip -n jn link set $'\xff\xfe' alias topo:jsonlab
ip -n jn link set $'p\xe9' alias topo:jsonlab
ip -n jn link set $'\xff\xfe' up
eq "the kernel took the name" "$(ls /run/netns/jn >/dev/null && ip netns exec jn ls /sys/class/net | grep -ac $'^\xff\xfe$')" 1

ok "show --json" "$TOPO" show --json "$F"
cp "$WORK/out" "$WORK/show.json"
ok "jq parses show --json" jq -e . "$WORK/show.json"
# jq reads invalid UTF-8 as U+FFFD without a word: iconv is the strict check.
utf8() { iconv -f UTF-8 -t UTF-8 "$1" >/dev/null; }
ok "show --json is valid UTF-8" utf8 "$WORK/show.json"
names() { jq -r '.namespaces[] | select(.name == "jn") | .interfaces[] | .name' "$WORK/show.json"; }
contains "the name as %XX" "$WORK/show.json" '"name":"%FF%FE"'
contains "the peer as %XX" "$WORK/show.json" '"interface":"p%E9"'
eq "decoded names are the kernel's bytes" \
	"$(names | decode | LC_ALL=C sort | hex)" \
	"$(ip netns exec jn ls /sys/class/net | grep -avx lo | LC_ALL=C sort | hex)"
eq "peer decodes to the kernel's peer" \
	"$(jq -r '.namespaces[] | .interfaces[] | select(.name == "%FF%FE") | .peer.interface' "$WORK/show.json" | decode | hex)" \
	"$(printf 'p\xe9\n' | hex)"
eq "the peer's ifindex is the kernel's" \
	"$(jq -r '.namespaces[] | .interfaces[] | select(.name == "%FF%FE") | .peer.ifindex' "$WORK/show.json")" \
	"$(cat "/sys/class/net/lo/ifindex" >/dev/null; ip netns exec jn cat $'/sys/class/net/p\xe9/ifindex')"
eq "the marked surplus is drift" \
	"$(jq -r '.drift[]' "$WORK/show.json" | grep -c '^- link del p%E9 netns jn (veth, with its peer %FF%FE in jn)$')" 1
eq "drift is the steps' text" "$(jq -c '[.steps[].text] == .drift' "$WORK/show.json")" true
eq "valid UTF-8 untouched" "$(jq -r '.namespaces[] | select(.name == "jn") | .sysctls["net.ipv4.ip_forward"]' "$WORK/show.json")" 1

# The text is read back from the same document: raw bytes, same lines.
ok "show" "$TOPO" show "$F"
cp "$WORK/out" "$WORK/show.txt"
eq "text names the raw bytes" "$(grep -ac $'^  \xff\xfe ' "$WORK/show.txt")" 1
contains "text names the raw peer" "$WORK/show.txt" $'peer jn:p\xe9'
contains "text drift in raw bytes" "$WORK/show.txt" $'- link del p\xe9 netns jn (veth, with its peer \xff\xfe in jn)'
eq "one text line per JSON interface" "$(grep -ac ' mtu ' "$WORK/show.txt")" \
	"$(jq '[.namespaces[].interfaces[]] | length' "$WORK/show.json")"
eq "one text drift line per JSON step" \
	"$(sed -n '/^drift/,$p' "$WORK/show.txt" | grep -ac '^[-+~] ')" "$(jq '.steps | length' "$WORK/show.json")"

# diff --json and show --name (the state file's side) parse as well.
rc 2 "diff --json pending" "$TOPO" diff --json "$F"
cp "$WORK/out" "$WORK/diff.json"
ok "diff --json is valid UTF-8" utf8 "$WORK/diff.json"
ok "jq parses diff --json" jq -e '.steps[] | select(.text | contains("%FF%FE"))' "$WORK/diff.json"
ok "show --json --name" "$TOPO" show --json --name jsonlab
ok "jq parses show --name" jq -e '.namespaces[] | .interfaces[] | select(.name == "%FF%FE")' "$WORK/out"

# apply --json removes the marked surplus; its document parses too.
ok "apply --json" "$TOPO" apply --json "$F"
cp "$WORK/out" "$WORK/apply.json"
ok "apply --json is valid UTF-8" utf8 "$WORK/apply.json"
ok "jq parses apply --json" jq -e '.applied == true and ([.plan.steps[].text | select(contains("%FF%FE"))] | length) == 1' "$WORK/apply.json"
ok "jq parses the state file" jq -e . /run/topo/jsonlab.json
ok "the state file is valid UTF-8" utf8 /run/topo/jsonlab.json
eq "surplus gone" "$(ip netns exec jn ls /sys/class/net | grep -ac $'^\xff\xfe$' || true)" 0
ok "show --json converged" "$TOPO" show --json "$F"
eq "no drift" "$(jq -c '.drift' "$WORK/out")" "[]"

# check --json: a file without checks still gives a document.
ok "check --json" "$TOPO" check --json "$F"
eq "check document" "$(jq -c . "$WORK/out")" '{"checks":[],"passed":0,"failed":0}'
ok "destroy" "$TOPO" destroy "$F"
done_ok
