# Codec and CLI edges (issue 11, items 7 and 9): names YAML would read as
# something else survive export -> validate -> apply --adopt -> diff; names
# no file can hold are left out with a comment; a write error on stdout
# exits 1; exec takes a name, never a path; declared link-local addresses
# are topo's; what apply would fail on is refused at validation.
. "$(dirname "$0")/lib.sh"

# --- a hand-made lab with hostile names, exported and taken over ---------
# Namespace names the file's rule allows that YAML reads as null, booleans
# and numbers; interface names the kernel and the file allow that YAML would
# take apart (quotes, indicators, flow characters, comments, C1, UTF-8).
NSES=(NULL true 0x1 1e3 yes No ON y)
IFS_HOSTILE=('a"b' 'c\d' 'e#f' '~' 'null' '-x' '?' '[x]' '{y}' 'a,b' '&a' '*a' '!t' '@q' '`r' "'s"
	'é1' $'\xc2\x85z' '1e3' '0x1' 'true' 'NULL' '>g' '|h' '=' '<<' 'n' 'Off')
for ns in "${NSES[@]}"; do ip netns add "$ns"; done
ip link add hbr type bridge
ip link set hbr up
ip addr add 10.0.0.1/16 dev hbr
i=0
for name in "${IFS_HOSTILE[@]}"; do
	i=$((i + 1))
	ns=${NSES[$((i % ${#NSES[@]}))]}
	ip link add "h$i" type veth peer name "$name" netns "$ns"
	ip link set "h$i" master hbr up
	ip -n "$ns" addr add "10.0.$i.2/16" dev "$name"
	ip -n "$ns" link set dev "$name" up
done
eq "every hostile name was created" "$(for ns in "${NSES[@]}"; do ip -n "$ns" -j link show | jq -r '.[].ifname'; done | grep -vcx lo)" "${#IFS_HOSTILE[@]}"

ok "export --netns" "$TOPO" export --netns "${NSES[@]}" --name hostile
cp "$WORK/out" "$WORK/e1.yaml"
ok "the export validates" "$TOPO" validate "$WORK/e1.yaml"
contains "all of it" "$WORK/out" "(9 namespaces, ${#IFS_HOSTILE[@]} links)"
for ns in "${NSES[@]}"; do contains "namespace $ns quoted" "$WORK/e1.yaml" "  \"$ns\":"; done
contains "a quote escaped" "$WORK/e1.yaml" '"a\"b": {'
contains "a backslash escaped" "$WORK/e1.yaml" '"c\\d": {'
contains "C1 as an escape" "$WORK/e1.yaml" '"\x85z": {'
contains "a link end" "$WORK/e1.yaml" '- ["host:h1", "true:a\"b"]'
# The exported names are the kernel's, byte for byte: the file has one
# interface per kernel interface, and the diff below finds each by name.
ok "apply --adopt the export" "$TOPO" apply --adopt "$WORK/e1.yaml"
rc 0 "diff against the export is converged" "$TOPO" diff "$WORK/e1.yaml"
contains "converged" "$WORK/out" "no changes: topology hostile is converged"
rc 0 "diff --json converged" "$TOPO" diff --json "$WORK/e1.yaml"
for ns in "${NSES[@]}"; do
	eq "namespace $ns taken over" "$(ip -n "$ns" -j -d link show lo | jq -r '.[0].ifalias // ""')" "topo:hostile"
done
for k in $(seq "$i"); do
	eq "host end h$k taken over" "$(ip -j -d link show "h$k" | jq -r '.[0].ifalias // ""')" "topo:hostile"
done
expect_ping NULL 10.0.0.1
ok "export again, by name" "$TOPO" export --name hostile
cp "$WORK/out" "$WORK/e2.yaml"
ok "the second export validates" "$TOPO" validate "$WORK/e2.yaml"
rc 0 "diff against the second export is converged" "$TOPO" diff "$WORK/e2.yaml"
eq "same file both times" "$(grep -v '^#' "$WORK/e1.yaml" | md5sum)" "$(grep -v '^#' "$WORK/e2.yaml" | md5sum)"

# Names the kernel allows and no topology file can hold (a control
# character, a byte that is not UTF-8): left out with a comment, and the
# file still loads.
ip netns add ctl
ip link add c1 type veth peer name $'a\x01' netns ctl
ip link add c2 type veth peer name $'\xff' netns ctl
ip -n ctl link add okbr type bridge
ok "export with unwritable names" "$TOPO" export --netns ctl --name ctl
cp "$WORK/out" "$WORK/ctl.yaml"
ok "it validates" "$TOPO" validate "$WORK/ctl.yaml"
contains "the control character, shown escaped" "$WORK/ctl.yaml" '# not exported: interface a\x01 ('
contains "the byte, shown escaped" "$WORK/ctl.yaml" '# not exported: interface \xff ('
contains "the host end goes with it" "$WORK/ctl.yaml" '# not exported: interface c1 ('
contains "the rest is there" "$WORK/ctl.yaml" 'okbr: {type: bridge'
ip netns del ctl   # ip -j prints its names raw, which jq refuses

# --- a write error on stdout exits 1 with a message ------------------------
sed 's/^links:/checks:\n  - {from: "NULL", ping: 10.0.0.1}\nlinks:/' "$WORK/e2.yaml" >"$WORK/e3.yaml"
ok "with a check" "$TOPO" check "$WORK/e3.yaml"
for cmd in "export --name hostile" "export $WORK/e3.yaml" "show $WORK/e3.yaml" "show --json $WORK/e3.yaml" \
	"graph $WORK/e3.yaml" "graph --format svg $WORK/e3.yaml" "diff $WORK/e3.yaml" "diff --json $WORK/e3.yaml" \
	"check $WORK/e3.yaml" "check --json $WORK/e3.yaml" "validate $WORK/e3.yaml" "--version"; do
	ok "$cmd to a file" bash -c "$TOPO $cmd >'$WORK/stdout'"
	[ -s "$WORK/stdout" ] || fail "$cmd wrote nothing"
	rc 1 "$cmd > /dev/full" bash -c "$TOPO $cmd >/dev/full"
	contains "$cmd says so" "$WORK/out" "topo: error writing to standard output"
done
# Larger than stdio's buffer: the error comes mid-way, not at the flush.
ok "a big export" bash -c "$TOPO export --name hostile | wc -c | awk '{exit !(\$1 > 4096)}'"
rc 1 "a big export > /dev/full" bash -c "$TOPO export --name hostile >/dev/full"
contains "says so" "$WORK/out" "error writing to standard output"

# --- exec: a name by the file's rule, or a declared one; never a path -----
# /run/x is a real namespace: "../x" from /run/netns would reach it.
touch /run/x
mount --bind /run/netns/NULL /run/x
rc 1 "exec by an absolute path" "$TOPO" exec /proc/1/ns/net -- true
contains "refused as a name" "$WORK/out" "topo: exec: '/proc/1/ns/net' is not a namespace name"
rc 1 "exec by ../x" "$TOPO" exec ../x -- true
contains "refused as a name" "$WORK/out" "topo: exec: '../x' is not a namespace name"
rc 1 "exec by ../../proc/1/ns/net" "$TOPO" exec ../../proc/1/ns/net -- true
rc 1 "exec by ." "$TOPO" exec . -- true
ok "exec into a declared name" "$TOPO" exec NULL -- ip -j addr show
contains "inside NULL" "$WORK/out" '"10.0.8.2"'
ok "exec into 0x1 with -f" "$TOPO" exec -f "$WORK/e2.yaml" 0x1 -- ip -j link show
contains "inside 0x1" "$WORK/out" '"ifname":"c\\d"'
rc 1 "exec -f into an undeclared name" "$TOPO" exec -f "$WORK/e2.yaml" ctl -- true
contains "says so" "$WORK/out" "declares no namespace 'ctl'"
cat >"$WORK/att.yaml" <<EOF
topology: att
namespaces:
  other: {path: /run/x}
EOF
ok "exec into an attached namespace by its declared name" "$TOPO" exec -f "$WORK/att.yaml" other -- ip -j addr show
contains "the bind-mounted NULL" "$WORK/out" '"10.0.8.2"'
umount /run/x

ok "destroy the hostile lab" "$TOPO" destroy "$WORK/e2.yaml"
eq "its namespaces are gone" "$(ip netns list)" ""

# --- declared IPv6 link-local addresses are topo's --------------------------
cat >"$WORK/ll.yaml" <<EOF
topology: ll
namespaces:
  host:
    interfaces:
      vA: {addresses: ["fe80::1/64", 10.7.0.1/24]}
  lab:
    interfaces:
      eth0: {addresses: ["fe80::2/64"]}
links:
  - [host:vA, lab:eth0]
EOF
ok "apply declared link-locals" "$TOPO" apply "$WORK/ll.yaml"
ok "fe80::1 on vA" has_addr host vA fe80::1/64
ok "fe80::2 in lab" has_addr lab eth0 fe80::2/64
rc 0 "re-diff is converged (topo's fe80 is not the kernel's, nor a stranger's)" "$TOPO" diff "$WORK/ll.yaml"
kernel_ll() { nsx "$1" ip -j addr show dev "$2" | jq -r '.[0].addr_info[] | select(.local | test("^fe80::.*ff:fe")) | .local'; }
for _ in $(seq 40); do [ -n "$(kernel_ll host vA)" ] && break; sleep 0.05; done
k_ll=$(kernel_ll host vA)
[ -n "$k_ll" ] || fail "the kernel made no link-local address on vA"
n_checks=$((n_checks + 1))
nsx host ping -6 -c 3 -i 0.3 -W 2 fe80::2%vA >/dev/null || fail "ping fe80::2%vA failed"
ip addr add fe80::5/64 dev vA nodad
rc 0 "a stranger's fe80 on our link is left alone" "$TOPO" diff "$WORK/ll.yaml"
ok "export" "$TOPO" export --name ll
cp "$WORK/out" "$WORK/ll-export.yaml"
contains "ours exported" "$WORK/ll-export.yaml" '"fe80::1/64"'
lacks "the stranger's not" "$WORK/ll-export.yaml" 'fe80::5'
lacks "the kernel's not" "$WORK/ll-export.yaml" "$k_ll"
ok "the export validates" "$TOPO" validate "$WORK/ll-export.yaml"
rc 0 "diff against it is converged" "$TOPO" diff "$WORK/ll-export.yaml"
sed 's/"fe80::1\/64", //' "$WORK/ll.yaml" >"$WORK/ll2.yaml"
ok "apply without fe80::1" "$TOPO" apply "$WORK/ll2.yaml"
n_checks=$((n_checks + 1))
! has_addr host vA fe80::1/64 || fail "topo left its fe80::1 on vA"
ok "the stranger's stays" has_addr host vA fe80::5/64
eq "the kernel's stays" "$(kernel_ll host vA)" "$k_ll"
ok "destroy" "$TOPO" destroy "$WORK/ll2.yaml"

# --- what apply would fail on is refused with FILE:LINE:COL ----------------
cat >"$WORK/bad.yaml" <<EOF
topology: bad
namespaces:
  host:
    sysctls:
      net.ipv4.ip_forward: "1\n"
  lab:
    interfaces:
      e0: {mtu: 1200, addresses: ["fd00::1/64"]}
      e1: {mac: "02:00:00:00:00:01", addresses: ["fe80::ff:fe00:1/64"]}
    sysctls: {net.ipv4.tcp_congestion_control: "cubic\x01"}
  o:
links:
  - [lab:e0, o:f0]
  - [lab:e1, o:f1]
EOF
snapshot "$WORK/before"
rc 1 "validate refuses" "$TOPO" validate "$WORK/bad.yaml"
contains "the newline" "$WORK/out" "$WORK/bad.yaml:5:28: error: sysctl net.ipv4.ip_forward: the value holds a line break"
contains "IPv6 below 1280" "$WORK/out" "$WORK/bad.yaml:8:35: error: IPv6 address fd00::1/64 on e0, whose mtu is 1200: the kernel turns IPv6 off"
contains "the kernel's link-local" "$WORK/out" "$WORK/bad.yaml:9:50: error: address fe80::ff:fe00:1 on e1 is the link-local address the kernel makes itself from mac 02:00:00:00:00:01"
contains "the control character" "$WORK/out" "$WORK/bad.yaml:10:48: error: sysctl net.ipv4.tcp_congestion_control: the value holds the control character \\x01"
eq "four errors" "$(grep -c ': error: ' "$WORK/out")" 4
rc 1 "apply refuses" "$TOPO" apply "$WORK/bad.yaml"
snapshot "$WORK/after"
same_snapshot "nothing applied" "$WORK/before" "$WORK/after"
# Without the rules, the kernel: an IPv6 address on a link below 1280 fails.
ip netns add k
ip -n k link add e0 mtu 1200 type veth peer name f0
n_checks=$((n_checks + 1))
! ip -n k addr add fd00::1/64 dev e0 2>/dev/null || fail "the kernel took IPv6 on an mtu 1200 link"
ip netns del k

done_ok
