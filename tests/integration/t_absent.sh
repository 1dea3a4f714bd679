# absent: kernel-made routes that must not exist (route_localnet labs need
# the local table's 127.0.0.0/8 gone). Deleted on apply and nowhere else,
# recorded in the state file, put back exactly (ip -j -d route, every field)
# on destroy and when the entry leaves the file; deleted again when the
# kernel re-creates it; a route that only looks like it (not protocol
# kernel) is left alone; rollback at every step is exact.
. "$(dirname "$0")/lib.sh"
F=$WORK/absent.yaml
cat >"$F" <<'YAML'
topology: noloop
namespaces:
  host:
    sysctls:
      net.ipv4.conf.all.route_localnet: 1
    absent:
      - {to: 127.0.0.0/8, table: local, type: local}
      - {to: 10.99.0.0/24}
  h1:
    interfaces:
      eth0: {addresses: [10.1.0.1/24]}
    absent:
      - {to: 127.0.0.0/8, table: local, type: local}
  h2:
    interfaces:
      eth0: {addresses: [10.1.0.2/24]}
links:
  - [h1:eth0, h2:eth0]
YAML
# A route that matches an entry but that someone added: never topo's to delete.
ip link add fv0 type veth peer fv1
ip link set fv0 up
ip link set fv1 up
ip route add 10.99.0.0/24 dev fv0 proto static
loop() { nsx "$1" ip -j -d route show table local 127.0.0.0/8 | jq -c '.[]'; }
settled "$WORK/pristine"
loop host >"$WORK/loop-before"
[ -s "$WORK/loop-before" ] || fail "the sandbox has no local 127.0.0.0/8 to start with"

rc 2 "diff shows a plan" "$TOPO" diff "$F"
"$TOPO" diff "$F" >"$WORK/plan.txt" 2>&1 || true
contains "the deletion is in the plan" "$WORK/plan.txt" "- route del local 127.0.0.0/8 dev lo src 127.0.0.1 table local proto kernel  # absent:"
ok "apply" "$TOPO" apply "$F"
contains "the look-alike is named and left" "$WORK/out" "is not the kernel's (protocol 4): left alone"
eq "host: 127.0.0.0/8 gone" "$(loop host)" ""
eq "h1: 127.0.0.0/8 gone" "$(loop h1)" ""
n_checks=$((n_checks + 1)); [ -n "$(loop h2)" ] || fail "h2 lost its 127.0.0.0/8, nothing asked for that"
eq "host: 127.0.0.1 itself stays local" "$(ip -j route show table local 127.0.0.1 | jq -r '.[0].type')" local
eq "the look-alike is untouched" "$(ip -j route show 10.99.0.0/24 | jq -r '.[0].protocol')" static
rc 0 "converged" "$TOPO" diff "$F"
eq "state records both" "$(jq -c '[.removed_routes[] | [.ns, .to, .type, .table]]' /run/topo/noloop.json)" \
	'[["host","127.0.0.0/8","local",255],["h1","127.0.0.0/8","local",255]]'
ok "show" "$TOPO" show "$F"
contains "show names what is absent" "$WORK/out" "absent route local 127.0.0.0/8 dev lo src 127.0.0.1 table local proto kernel"
n_checks=$((n_checks + 1))
"$TOPO" export "$F" >"$WORK/export.yaml" 2>"$WORK/export.err" || fail "export: $(cat "$WORK/export.err")"
contains "export writes absent:" "$WORK/export.yaml" '- {to: "127.0.0.0/8", table: 255, type: local}'
rc 0 "the export is converged" "$TOPO" diff "$WORK/export.yaml"
# Real traffic: 127.0.0.2 is no longer an address of h1; h2 still answers it.
expect_no_ping h1 127.0.0.2
expect_ping h2 127.0.0.2
expect_ping h1 127.0.0.1

# The kernel makes it again when lo comes back up: drift, deleted again.
ip netns exec h1 ip link set lo down
ip netns exec h1 ip link set lo up
n_checks=$((n_checks + 1)); [ -n "$(loop h1)" ] || fail "the kernel did not re-create 127.0.0.0/8 (the test's premise)"
rc 2 "diff sees it back" "$TOPO" diff "$F"
contains "deleted again" "$WORK/out" "- route del local 127.0.0.0/8 dev lo src 127.0.0.1 table local proto kernel netns h1  # absent:"
ok "apply" "$TOPO" apply "$F"
eq "h1: gone again" "$(loop h1)" ""
rc 0 "converged" "$TOPO" diff "$F"

# Destroy puts back exactly what it deleted.
ok "destroy" "$TOPO" destroy "$F"
contains "restored" "$WORK/out" "+ route add local 127.0.0.0/8 dev lo src 127.0.0.1 table local proto kernel  # restore"
eq "host: 127.0.0.0/8 exactly as before" "$(loop host)" "$(cat "$WORK/loop-before")"
settled_like "$WORK/pristine" "$WORK/after"
same_snapshot "destroy leaves what it found" "$WORK/pristine" "$WORK/after"

# Destroy after the kernel re-made it itself: nothing to restore, nothing doubled.
ok "apply" "$TOPO" apply "$F"
ip link set lo down
ip link set lo up
n_checks=$((n_checks + 1)); [ -n "$(loop host)" ] || fail "the kernel did not re-create host's 127.0.0.0/8"
ok "destroy" "$TOPO" destroy "$F"
lacks "nothing to restore" "$WORK/out" "+ route add local 127.0.0.0/8"
settled_like "$WORK/pristine" "$WORK/after"
same_snapshot "destroy after the kernel re-made it" "$WORK/pristine" "$WORK/after"

# The entry leaves the file: the route comes back, the record goes.
ok "apply" "$TOPO" apply "$F"
grep -v "127.0.0.0/8, table: local" "$F" >"$WORK/v2.yaml"
rc 2 "v2 differs" "$TOPO" diff "$WORK/v2.yaml"
contains "v2 restores host's" "$WORK/out" "+ route add local 127.0.0.0/8 dev lo src 127.0.0.1 table local proto kernel  # restore"
contains "v2 restores h1's" "$WORK/out" "+ route add local 127.0.0.0/8 dev lo src 127.0.0.1 table local proto kernel netns h1  # restore"
ok "apply v2" "$TOPO" apply "$WORK/v2.yaml"
eq "host: back" "$(loop host)" "$(cat "$WORK/loop-before")"
eq "no record left" "$(jq -c '.removed_routes // []' /run/topo/noloop.json)" '[]'
rc 0 "v2 converged" "$TOPO" diff "$WORK/v2.yaml"
ok "destroy v2" "$TOPO" destroy "$WORK/v2.yaml"
settled_like "$WORK/pristine" "$WORK/after"
same_snapshot "destroy after v2" "$WORK/pristine" "$WORK/after"

# Rollback at every step: the route is back, the state file as it was.
"$TOPO" diff --json "$F" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
for k in $(seq 1 "$n"); do
	rc 1 "fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$F"
	settled_like "$WORK/pristine" "$WORK/after"
	same_snapshot "rollback after step $k of $n" "$WORK/pristine" "$WORK/after"
	n_checks=$((n_checks + 1)); [ ! -e /run/topo/noloop.json ] || fail "step $k: a state file is left"
done
done_ok
