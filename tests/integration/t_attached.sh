# Attached namespaces (made outside topo): by path (a bind mount elsewhere, as
# /var/run/docker/netns) and by pid. topo adds its veth end, address and
# route; destroy removes those and leaves the namespaces.
. "$(dirname "$0")/lib.sh"
mkdir -p /var/run/docker/netns
ip netns add dockerish
touch /var/run/docker/netns/1a2b3c4d
mount --bind /run/netns/dockerish /var/run/docker/netns/1a2b3c4d
ip netns del dockerish    # only the docker-style path is left
unshare --net sleep 300 &
pid=$!
# Until unshare is done the pid's namespace is the sandbox's (topo refuses that).
for _ in $(seq 100); do
	[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/$$/ns/net)" ] && break
	sleep 0.02
done
cat >"$WORK/attached.yaml" <<YAML
topology: attach
namespaces:
  host:
    interfaces:
      br-att: {type: bridge, addresses: [10.60.0.1/24]}
      vp1: {master: br-att}
      vp2: {master: br-att}
  container:
    path: /var/run/docker/netns/1a2b3c4d
    interfaces:
      eth0: {addresses: [10.60.0.2/24]}
    routes:
      - {to: 10.61.0.0/24, via: 10.60.0.1}
  sleeper:
    pid: $pid
    interfaces:
      eth0: {addresses: [10.60.0.3/24]}
links:
  - [host:vp1, container:eth0]
  - [host:vp2, sleeper:eth0]
YAML
C="nsenter --net=/var/run/docker/netns/1a2b3c4d"
S="nsenter --net=/proc/$pid/ns/net"
ok "apply" "$TOPO" apply "$WORK/attached.yaml"
eq "address in the path namespace" "$($C ip -j addr show eth0 | jq -r '.[0].addr_info[] | select(.family=="inet") | .local')" 10.60.0.2
eq "route in the path namespace" "$($C ip -j route show 10.61.0.0/24 | jq -r '.[0].gateway')" 10.60.0.1
eq "address in the pid namespace" "$($S ip -j addr show eth0 | jq -r '.[0].addr_info[] | select(.family=="inet") | .local')" 10.60.0.3
ok "ping across" $C ping -c1 -W2 10.60.0.3
rc 0 "converged" "$TOPO" diff "$WORK/attached.yaml"
ok "destroy" "$TOPO" destroy "$WORK/attached.yaml"
! $C ip link show eth0 >/dev/null 2>&1 || fail "veth end left in the path namespace"
! $S ip link show eth0 >/dev/null 2>&1 || fail "veth end left in the pid namespace"
ok "path namespace still there" $C ip link show lo
ok "pid namespace still there" $S ip link show lo
ok "route gone with the link" test -z "$($C ip route show 10.61.0.0/24)"

# A path that is not a network namespace: a clear error, nothing changed.
echo hello >"$WORK/not-a-netns"
sed "s#/var/run/docker/netns/1a2b3c4d#$WORK/not-a-netns#" "$WORK/attached.yaml" >"$WORK/bad.yaml"
snapshot "$WORK/before"
rc 1 "bad path" "$TOPO" apply "$WORK/bad.yaml"
contains "says why" "$WORK/out" "not a network namespace"
snapshot "$WORK/after"
same_snapshot "nothing changed" "$WORK/before" "$WORK/after"
kill $pid
done_ok
