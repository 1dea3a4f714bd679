# Static neighbours (neighbours:) against the kernel: b ignores every ARP
# request (arp_ignore=8), so a reaches b only through its static entry;
# applied permanent with protocol 149, converged, drift by hand (deleted,
# MAC changed) repaired, a foreign permanent entry untouched and a conflict
# when declared, a failure at every step rolled back, destroy leaves the
# kernel as it was.
. "$(dirname "$0")/lib.sh"
cat >"$WORK/n.yaml" <<'YAML'
topology: neigh
namespaces:
  a:
    interfaces:
      eth0: {addresses: [10.50.0.1/24, "fd50::1/64"], mac: "02:00:00:00:50:01"}
    neighbours:
      - {ip: 10.50.0.2, lladdr: "02:00:00:00:50:02", dev: eth0}
      - {ip: "fd50::2", lladdr: "02:00:00:00:50:02", dev: eth0}
  b:
    sysctls:
      net.ipv4.conf.eth0.arp_ignore: 8
    interfaces:
      eth0: {addresses: [10.50.0.2/24, "fd50::2/64"], mac: "02:00:00:00:50:02"}
links:
  - [a:eth0, b:eth0]
YAML
neigh() { nsx a ip -j neigh show nud permanent | jq -c '[.[] | {dst, lladdr, protocol}] | sort_by(.dst)'; }
settled "$WORK/empty"
ok "apply" "$TOPO" apply "$WORK/n.yaml"
eq "permanent entries, protocol 149" "$(neigh)" '[{"dst":"10.50.0.2","lladdr":"02:00:00:00:50:02","protocol":"149"},{"dst":"fd50::2","lladdr":"02:00:00:00:50:02","protocol":"149"}]'
rc 0 "converged" "$TOPO" diff "$WORK/n.yaml"
expect_ping a 10.50.0.2
expect_ping a fd50::2

# Without the entry a cannot reach b (b answers no ARP): the entry is what works.
nsx a ip neigh del 10.50.0.2 dev eth0
expect_no_ping a 10.50.0.2
rc 2 "drift: deleted" "$TOPO" diff "$WORK/n.yaml"
contains "drift: re-added" "$WORK/out" "+ neigh add 10.50.0.2 lladdr 02:00:00:00:50:02 dev eth0 nud permanent netns a"
ok "repair" "$TOPO" apply "$WORK/n.yaml"
expect_ping a 10.50.0.2
nsx a ip neigh replace 10.50.0.2 lladdr 02:00:00:00:50:99 dev eth0 nud permanent protocol 149
rc 2 "drift: MAC" "$TOPO" diff "$WORK/n.yaml"
contains "drift: replaced" "$WORK/out" "~ neigh replace 10.50.0.2 lladdr 02:00:00:00:50:02 dev eth0 nud permanent netns a"
ok "repair MAC" "$TOPO" apply "$WORK/n.yaml"
rc 0 "converged again" "$TOPO" diff "$WORK/n.yaml"

# A foreign permanent entry (no protocol) is left alone; declared, a conflict.
nsx a ip neigh add 10.50.0.9 lladdr 02:00:00:00:50:09 dev eth0 nud permanent
rc 0 "foreign ignored" "$TOPO" diff "$WORK/n.yaml"
sed 's#      - {ip: "fd50::2", lladdr: "02:00:00:00:50:02", dev: eth0}#&\n      - {ip: 10.50.0.9, lladdr: "02:00:00:00:50:09", dev: eth0}#' "$WORK/n.yaml" >"$WORK/n9.yaml"
rc 1 "declared foreign refused" "$TOPO" apply "$WORK/n9.yaml"
contains "declared foreign named" "$WORK/out" "n9.yaml:9:9: a neighbour with the same key exists in namespace a and is not topo's"
eq "foreign kept" "$(nsx a ip -j neigh show 10.50.0.9 | jq -r '.[0].lladdr + " " + (.[0].protocol // "none")')" "02:00:00:00:50:09 none"
nsx a ip neigh del 10.50.0.9 dev eth0

ok "destroy" "$TOPO" destroy "$WORK/n.yaml"
settled_like "$WORK/empty" "$WORK/after"
same_snapshot "destroy leaves the kernel as it was" "$WORK/empty" "$WORK/after"

# A failure at every step of a fresh apply rolls back exactly.
"$TOPO" diff --json "$WORK/n.yaml" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
for k in $(seq 1 "$n"); do
	rc 1 "fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/n.yaml"
	contains "step $k rolled back" "$WORK/out" "rolled back"
	settled_like "$WORK/empty" "$WORK/after"
	same_snapshot "rollback after step $k of $n" "$WORK/empty" "$WORK/after"
done
done_ok
