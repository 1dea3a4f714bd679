# Next to the CNI reference plugins (containernetworking-plugins, invoked by
# hand as a runtime would): a namespace made by hand, the bridge plugin
# (cni0, host-local IPAM with its data dir in the test's directory, ipMasq)
# and portmap on it, and a topo lab beside them.
#  - apply and destroy of the lab leave CNI's links, addresses, routes,
#    nft ruleset, iptables-save and IPAM files byte-identical;
#  - export says what it left out (CNI's iptables-nft tables);
#  - apply --adopt of an export naming cni0 or the CNI namespace is refused
#    naming CNI, nothing applied;
#  - a dnat on the port portmap publishes is a conflict naming CNI portmap;
#  - destroy of a lab that turned ip_forward on keeps it (CNI depends on it).
. "$(dirname "$0")/lib.sh"
CNI_PATH=/usr/lib/cni
missing=""
for p in bridge host-local portmap loopback; do [ -x "$CNI_PATH/$p" ] || missing="$missing $p"; done
command -v iptables-save >/dev/null 2>&1 || missing="$missing iptables"
if [ -n "$missing" ]; then
	[ "${CI:-}" = true ] && fail "CNI test under CI=true, but missing:$missing (make deps installs containernetworking-plugins)"
	echo "SKIP: t_cni needs the CNI plugins (missing:$missing); enable with: make deps"
	exit 77
fi

# A lab that turns forwarding on, applied before CNI's network exists.
cat >"$WORK/fwd.yaml" <<'YAML'
topology: cfwd
namespaces:
  host:
    sysctls: {net.ipv4.ip_forward: 1}
YAML
eq "forwarding off before" "$(cat /proc/sys/net/ipv4/ip_forward)" 0
ok "apply before CNI" "$TOPO" apply "$WORK/fwd.yaml"

CNS=cni-5f3c7a2e-1b4d-4e0a-9c1f-0123456789ab
ip netns add "$CNS"
mkdir -p "$WORK/ipam"
cni() {   # cni COMMAND PLUGIN CONFIG-FILE
	CNI_COMMAND=$1 CNI_CONTAINERID=ctr1 CNI_NETNS=/run/netns/$CNS CNI_IFNAME=eth0 CNI_PATH=$CNI_PATH \
		"$CNI_PATH/$2" <"$3"
}
cat >"$WORK/lo.json" <<'JSON'
{"cniVersion": "0.4.0", "name": "lo", "type": "loopback"}
JSON
cat >"$WORK/bridge.json" <<JSON
{"cniVersion": "0.4.0", "name": "testnet", "type": "bridge", "bridge": "cni0", "isGateway": true,
 "ipMasq": true, "ipam": {"type": "host-local", "subnet": "10.22.0.0/16", "dataDir": "$WORK/ipam",
 "routes": [{"dst": "0.0.0.0/0"}]}}
JSON
cni ADD loopback "$WORK/lo.json" >/dev/null || fail "loopback plugin"
cni ADD bridge "$WORK/bridge.json" >"$WORK/result.json" || { cat "$WORK/result.json" >&2; fail "bridge plugin"; }
CIP=$(jq -r '.ips[0].address' "$WORK/result.json"); CIP=${CIP%/*}
[ -n "$CIP" ] || fail "the bridge plugin gave no address"
jq --slurpfile prev "$WORK/result.json" -n '{cniVersion: "0.4.0", name: "testnet", type: "portmap",
	capabilities: {portMappings: true},
	runtimeConfig: {portMappings: [{hostPort: 8081, containerPort: 80, protocol: "tcp"}]},
	prevResult: $prev[0]}' >"$WORK/portmap.json"
cni ADD portmap "$WORK/portmap.json" >/dev/null || fail "portmap plugin"
iptables-save | grep -q -- '--dport 8081 -j DNAT' || fail "portmap's dnat is not in iptables-save"

# A container-side server behind the published port.
mkdir -p "$WORK/www" && echo cni >"$WORK/www/index.html"
ip netns exec "$CNS" nc -l -k -p 80 >/dev/null 2>&1 </dev/null &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$WORK"' EXIT
ok "host to the CNI container" ping -c 1 -W 2 "$CIP"

# ip_forward: the bridge plugin depends on it now; destroy keeps it.
"$TOPO" destroy "$WORK/fwd.yaml" >"$WORK/out" 2>"$WORK/err" || fail "destroy of the forwarding lab"
eq "destroy keeps forwarding on under CNI" "$(cat /proc/sys/net/ipv4/ip_forward)" 1
contains "and says why" "$WORK/err" "keeping net.ipv4.ip_forward=1 (it was 0 before topo): CNI"

cni_snapshot() {
	{
		for ns in host "$CNS"; do
			if [ "$ns" = host ]; then set -- ; else set -- ip netns exec "$ns"; fi
			echo "== $ns link"
			"$@" ip -j -d link show | jq -S 'map(select(.ifname | test("^(lab|topo)") | not)
				| del(.stats, .stats64, .operstate, .linkinfo.info_data.hello_timer,
				.linkinfo.info_data.tcn_timer, .linkinfo.info_data.topology_change_timer,
				.linkinfo.info_data.gc_timer, .linkinfo.info_slave_data.forward_delay_timer,
				.linkinfo.info_slave_data.hold_timer, .linkinfo.info_slave_data.message_age_timer))'
			echo "== $ns addr"
			"$@" ip -j addr show | jq -S '[.[] | select(.ifname | test("^(lab|topo)") | not)
				| {ifname, addr: [.addr_info[] | del(.valid_life_time, .preferred_life_time)]}]'
			echo "== $ns route"; "$@" ip -j route show table all | jq -S '.'
			echo "== $ns nft"
			"$@" nft -j list ruleset | jq -S '[.nftables[] | select(has("metainfo") | not)] | del(.. | .packets?, .bytes?)'
			echo "== $ns iptables-save"; "$@" iptables-save | sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]//'
			echo "== $ns sysctl"
			for f in net.ipv4.ip_forward net.ipv4.conf.cni0.forwarding net.ipv4.conf.all.rp_filter; do
				echo "$f=$("$@" cat "/proc/sys/$(echo "$f" | tr . /)" 2>/dev/null || echo -)"
			done
		done
		echo "== IPAM files"
		(cd "$WORK/ipam" && find . -type f | sort | while read -r f; do echo "$f $(sha256sum <"$f")"; done)
		echo "== netns"; ls /run/netns | grep -v '^\.' | sort
	} >"$1"
}
# Taken once the kernel is quiet (DAD, linkwatch): the same twice in a row.
cni_settled() {
	local i
	for i in $(seq 100); do
		[ -z "$(ip -6 addr show tentative; ip netns exec "$CNS" ip -6 addr show tentative)" ] && break
		sleep 0.1
	done
	cni_snapshot "$1"
	for i in $(seq 15); do
		sleep 0.2
		cni_snapshot "$1.again"
		cmp -s "$1" "$1.again" && return 0
		mv "$1.again" "$1"
	done
}
cni_settled "$WORK/cni.0"
grep -q '"cni0"' "$WORK/cni.0" || fail "no cni0 in the snapshot"

# ---------------------------------------------------------- a lab beside it
cat >"$WORK/lab.yaml" <<'YAML'
topology: besidecni
namespaces:
  host:
    interfaces:
      lab0: {type: bridge, addresses: [10.77.0.1/24]}
      lab-a: {master: lab0}
    nat:
      - masquerade: {source: 10.77.0.0/24, out: "!lab0"}
      - dnat: {protocol: tcp, port: 9090, to: "10.77.0.2:80"}
    forward:
      - {action: accept, in: lab0}
  a:
    interfaces:
      eth0: {addresses: [10.77.0.2/24]}
    routes:
      - {to: default, via: 10.77.0.1}
links:
  - [host:lab-a, a:eth0]
checks:
  - {from: host, ping: 10.77.0.2}
  - {from: a, ping: 10.77.0.1}
YAML
ok "apply beside CNI" "$TOPO" apply "$WORK/lab.yaml"
rc 0 "converged" "$TOPO" diff "$WORK/lab.yaml"
ok "the lab's checks" "$TOPO" check "$WORK/lab.yaml"
ok "CNI's container still reachable" ping -c 1 -W 2 "$CIP"
ok "the lab reaches CNI's container (routed)" ip netns exec a ping -c 1 -W 2 "$CIP"
ok "destroy" "$TOPO" destroy "$WORK/lab.yaml"
cni_settled "$WORK/cni.1"
same_snapshot "CNI's links, addresses, routes, rules and IPAM files after apply+destroy" "$WORK/cni.0" "$WORK/cni.1"

# ---------------------------------------------------------------- export
ok "export of the CNI namespace" "$TOPO" export --netns "$CNS" --name cexp
cp "$WORK/out" "$WORK/exp.yaml"
contains "says what it left out" "$WORK/exp.yaml" "# Left out (not topo's"
contains "CNI's tables" "$WORK/exp.yaml" "nft table ip nat (iptables-nft rules; CNI's chains"
contains "sysctls not captured" "$WORK/exp.yaml" "sysctls: only those a topology set are exported"
contains "cni0 with it" "$WORK/exp.yaml" "cni0"
ok "the export is valid" "$TOPO" validate "$WORK/exp.yaml"
rc 1 "adopt of the export refused" "$TOPO" apply --adopt "$WORK/exp.yaml"
contains "the CNI namespace named" "$WORK/out" "is CNI's: --adopt never takes over"
contains "cni0 named" "$WORK/out" "cni0 is CNI's"
contains "nothing applied" "$WORK/out" "nothing was changed"
# A hand-written file naming cni0 alone.
cat >"$WORK/adopt.yaml" <<'YAML'
topology: cadopt
namespaces:
  host:
    interfaces:
      cni0: {type: bridge}
YAML
rc 1 "adopt of cni0 refused" "$TOPO" apply --adopt "$WORK/adopt.yaml"
contains "naming CNI" "$WORK/out" "cni0 is CNI's: its ports lead to container namespaces"

# ------------------------------------------------- dnat on portmap's port
cat >"$WORK/dnat.yaml" <<'YAML'
topology: cdnat
namespaces:
  host:
    nat:
      - dnat: {protocol: tcp, port: 8081, to: "10.77.0.2:80"}
YAML
rc 1 "dnat on portmap's port: conflict" "$TOPO" apply "$WORK/dnat.yaml"
contains "naming CNI portmap" "$WORK/out" "tcp port 8081 is already published by CNI portmap"
cni_settled "$WORK/cni.2"
same_snapshot "nothing changed by the refused adopts and dnat" "$WORK/cni.0" "$WORK/cni.2"
[ -e "/run/netns/$CNS" ] || fail "CNI's namespace is gone"

# A runtime on iptables-legacy (xt tables): topo cannot see those rules; it
# says so once, and -q silences it.
if command -v iptables-legacy >/dev/null 2>&1; then
	iptables-legacy -P FORWARD DROP
	"$TOPO" diff "$WORK/lab.yaml" >"$WORK/out" 2>"$WORK/err" || true
	eq "iptables-legacy: one warning" "$(grep -c 'iptables-legacy rules are in use' "$WORK/err")" 1
	"$TOPO" diff -q "$WORK/lab.yaml" >"$WORK/out" 2>"$WORK/err" || true
	eq "-q: silent" "$(cat "$WORK/err")" ""
	iptables-legacy -P FORWARD ACCEPT
fi

# CNI can still tear its network down by itself.
cni DEL portmap "$WORK/portmap.json" >/dev/null || fail "portmap DEL"
cni DEL bridge "$WORK/bridge.json" >/dev/null || fail "bridge DEL"
done_ok
