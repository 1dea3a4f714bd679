# Destroy removes what topo made and nothing else; restores sysctls; works
# from the kernel's marks alone (no file, no state file); a second destroy is fine.
. "$(dirname "$0")/lib.sh"
F=$TOPOLOGIES/seed001-bridge.yaml

# Foreign objects, made before topo runs, with similar names.
ip link add mybr1 type bridge
ip link set mybr1 up
ip addr add 10.50.0.1/24 dev mybr1
ip route add 10.51.0.0/24 via 10.50.0.2
ip netns add foreign_ns
echo 0 >/proc/sys/net/ipv4/ip_forward
snapshot "$WORK/before"

ok "apply" "$TOPO" apply "$F"
# Someone else's route through topo's bridge is theirs, and survives until the bridge goes.
ok "destroy" "$TOPO" destroy "$F"
contains "restores ip_forward" "$WORK/out" "~ sysctl net.ipv4.ip_forward=0 (was 1)"
snapshot "$WORK/after"
same_snapshot "only topo's objects went" "$WORK/before" "$WORK/after"
ok "foreign bridge survives" link_exists host mybr1
ok "foreign route survives" has_route host 10.51.0.0/24
ok "foreign namespace survives" ip netns exec foreign_ns true
rc 0 "second destroy" "$TOPO" destroy "$F"
contains "nothing left" "$WORK/out" "nothing to destroy"

# Without the state file and without the file: the marks are enough.
ok "apply again" "$TOPO" apply "$F"
rm /run/topo/seed001.json
ok "destroy --name" "$TOPO" destroy --name seed001
contains "finds the namespaces by their mark" "$WORK/out" "- netns del netns_A"
snapshot "$WORK/after2"
# ip_forward cannot be restored without the record of its old value.
sed -i 's/^net.ipv4.ip_forward=.*//' "$WORK/before" "$WORK/after2"
same_snapshot "marks alone" "$WORK/before" "$WORK/after2"
rc 1 "bad --name" "$TOPO" destroy --name 'Bad/Name'
done_ok
