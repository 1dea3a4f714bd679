# Hostile input: each refused with FILE:LINE:COL and exit 1, nothing
# applied, nothing escapes /run/netns, memory stays bounded.
. "$(dirname "$0")/lib.sh"
snapshot "$WORK/before"

refused() {   # NAME EXPECTED-MESSAGE ; the file is $WORK/$NAME.yaml
	rc 1 "$1: refused" "$TOPO" apply "$WORK/$1.yaml"
	grep -qE "^$WORK/$1.yaml:[0-9]+:[0-9]+: error: " "$WORK/out" || { cat "$WORK/out"; fail "$1: no FILE:LINE:COL"; }
	contains "$1: says why" "$WORK/out" "$2"
}

printf 'topology: esc\nnamespaces:\n  ../../etc/evil: {}\n' >"$WORK/escape.yaml"
refused escape "is not valid"
printf 'topology: esc\nnamespaces:\n  "..": {}\n' >"$WORK/dotdot.yaml"
refused dotdot "is not valid"
printf 'topology: esc\nnamespaces:\n  "a/b": {}\n' >"$WORK/slash.yaml"
refused slash "is not valid"
printf 'topology: long\nnamespaces:\n  a:\n    interfaces:\n      abcdefghijklmnop: {type: bridge}\n' >"$WORK/ifname.yaml"
refused ifname "not a valid interface name"
printf 'topology: tag\nnamespaces:\n  host:\n    nat:\n      - masquerade: {out: !br0}\n' >"$WORK/tag.yaml"
refused tag "quote it"
printf 'topology: a\nnamespaces: &x {a: *x}\n' >"$WORK/alias.yaml"
refused alias "a value cannot contain itself"

# 100000 namespaces: refused by the documented limit, quickly and in bounded memory.
awk 'BEGIN { print "topology: huge"; print "namespaces:"; for (i = 0; i < 100000; i++) printf "  n%d: {}\n", i }' >"$WORK/huge.yaml"
# (ASan reserves terabytes of address space for its shadow: no cap there.)
limit="ulimit -v 524288;"
[ "${TOPO_SAN:-0}" = 1 ] && limit=
rc 1 "100000 namespaces refused" bash -c "$limit exec '$TOPO' apply '$WORK/huge.yaml'"
contains "by the limit" "$WORK/out" "more than 4096 namespaces"
! ls /run/netns | grep -q . || fail "something was created"

# A path that is not a network namespace (a regular file, a directory, a mount namespace).
for p in /etc/hostname /tmp /proc/self/ns/mnt; do
	printf 'topology: notns\nnamespaces:\n  x:\n    path: %s\n' "$p" >"$WORK/notns.yaml"
	rc 1 "path $p" "$TOPO" apply "$WORK/notns.yaml"
	contains "path $p: says so" "$WORK/out" "namespace x"
done

snapshot "$WORK/after"
same_snapshot "nothing changed" "$WORK/before" "$WORK/after"
ls / >/dev/null
[ ! -e /etc/evil ] || fail "escaped /run/netns"
done_ok
