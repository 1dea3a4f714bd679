# Checks that stand alone. For every file in topologies/: apply, then
# `topo check` with nothing else started (strace proves it forks and execs
# nothing), passing; then a deliberate break per file (a link down, an MTU
# lowered, the dnat or the masquerade flushed by hand with nft) makes the
# right check fail with the right reason. Then: a real server already on the
# port keeps its connection; a wrong `source:` names the observed address;
# UDP through DNAT (and masquerade); DF pings at the MTU boundary of a
# mtu-1400 veth; checks refused in another topology's namespaces; apply's
# readiness wait.
. "$(dirname "$0")/lib.sh"
# Long enough for a first packet through a router on a loaded machine; the
# breaks and expect: fail checks each wait this long.
export TOPO_CHECK_TIMEOUT_MS=2500

# line_of FILE TEXT: the line of the only check that contains TEXT.
line_of() {
	local n
	n=$(grep -nF -- "$2" "$1" | cut -d: -f1)
	[ "$(echo "$n" | wc -l)" -eq 1 ] && [ -n "$n" ] || fail "line_of: '$2' is not on exactly one line of $1"
	echo "$n"
}

# field FILE TEXT KEY: KEY of that check's entry in the last `check --json` ($WORK/json).
field() { jq -r --argjson l "$(line_of "$1" "$2")" --arg k "$3" '[.checks[] | select(.line == $l)][0][$k]' "$WORK/json"; }

# check_json FILE: topo check --json into $WORK/json; its exit status in $check_rc.
check_json() {
	check_rc=0
	"$TOPO" check --json "$1" >"$WORK/json" 2>"$WORK/json.err" || check_rc=$?
}

# broken FILE TEXT REASON [TEXT REASON...]: one `check --json`; each of those
# checks fails with its REASON (one run: a router's ICMP errors are rate
# limited, so the reasons are read from the same packets).
broken() {
	local f=$1; shift
	check_json "$f"
	eq "$(basename "$f"): check exits 1 when broken" "$check_rc" 1
	while [ $# -ge 2 ]; do
		eq "$(basename "$f"): '$1' fails" "$(field "$f" "$1" ok)" false
		if [ -n "$2" ]; then
			# REASON may list alternatives ("timeout|no route"): a link down
			# reads as either, by whether the neighbour entry has failed yet.
			local got
			got=$(field "$f" "$1" reason)
			n_checks=$((n_checks + 1))
			[[ "|$2|" == *"|$got|"* ]] || { jq -c '.checks[] | select(.ok | not)' "$WORK/json" >&2
				fail "$(basename "$f"): '$1' fails because: got '$got', expected '$2'"; }
		fi
		shift 2
	done
}

passes() {
	check_json "$1"
	if [ "$check_rc" -ne 0 ]; then
		jq -c '.checks[] | select(.ok | not)' "$WORK/json" >&2
		cat "$WORK/json.err" >&2
		fail "$(basename "$1"): checks do not all pass"
	fi
	n_checks=$((n_checks + 1))
}

# ---------------------------------------------- every lab, then its break --

mkdir -p /var/run/docker/netns
ip netns add docker-sandbox
touch /var/run/docker/netns/467c0ddd4651
mount --bind /run/netns/docker-sandbox /var/run/docker/netns/467c0ddd4651
ip netns del docker-sandbox

for f in "$TOPOLOGIES"/*.yaml; do
	name=$(awk '/^topology:/{print $2}' "$f")
	# A file across several hosts needs them: t_nodes applies and checks
	# those on three simulated hosts (its breaks are there too).
	if grep -q '^nodes:' "$f"; then
		echo "--- $name: several hosts, in t_nodes"
		continue
	fi
	echo "--- $name"
	ok "$name: apply" "$TOPO" apply "$f"
	# Right after apply, what apply made carries traffic: every veth has its
	# carrier and linkwatch has run (operstate UP, not "UNKNOWN", which is a
	# veth whose qdisc still drops everything).
	for ns in host $(ip netns list | awk '{print $1}'); do
		nsx "$ns" ip -j link show type veth >"$WORK/links.json"
		eq "$name: $ns: every veth up with carrier after apply" \
			"$(jq '[.[] | select((.flags | index("LOWER_UP")) == null or .operstate != "UP")] | length' "$WORK/links.json")" 0
	done
	# Nothing started: no clone, no fork, one execve (topo itself). (LeakSanitizer
	# cannot run under ptrace, and would clone its own tracer: off here.)
	ok "$name: check under strace" env ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
		strace -f -qq -o "$WORK/strace" -e trace=execve,clone,clone3,fork,vfork "$TOPO" check "$f"
	cat "$WORK/out"
	eq "$name: check ran no program" "$(grep -c 'execve(' "$WORK/strace")" 1
	eq "$name: check started no process" "$(grep -cE '(clone|clone3|fork|vfork)\(' "$WORK/strace" || true)" 0
	lacks "$name: all pass" "$WORK/out" "✗"
	passes "$f"
	# Every tcp/udp line that connects says who received it and from which
	# source (one that must fail has neither: nothing received it).
	eq "$name: observed source and receiver on every tcp/udp check" \
		"$(jq '[.checks[] | select(.kind != "ping" and .expect == "success" and (.source == null or .receiver == null))] | length' "$WORK/json")" 0
	contains "$name: tcp/udp lines name receiver and source" "$WORK/out" ", seen from "

	case "$name" in
	seed000)
		# The published port's dnat flushed: the connection lands on the host.
		nft flush chain inet topo-seed000 prerouting
		broken "$f" 'tcp: "192.168.100.1:8080"' "wrong receiver"
		eq "seed000: received by the host instead" "$(field "$f" 'tcp: "192.168.100.1:8080"' receiver)" "host:8080"
		eq "seed000: the host's own connection (output chain) still works" \
			"$(field "$f" 'tcp: "172.17.0.1:8080"' ok)" true
		eq "seed000: only that one" "$(jq .failed "$WORK/json")" 1
		ok "seed000: repair" "$TOPO" apply "$f"
		# The masquerade flushed: the container is seen from its own address.
		nft flush chain inet topo-seed000 postrouting
		broken "$f" 'tcp: "192.168.100.2:80"' "wrong source"
		eq "seed000: names the observed source" "$(field "$f" 'tcp: "192.168.100.2:80"' error)" \
			"seen from 172.17.0.2, expected 192.168.100.1"
		eq "seed000: udp seen from busybox2's own address" "$(field "$f" 'udp: "192.168.100.2:53"' source)" 172.17.0.3
		eq "seed000: only those two" "$(jq .failed "$WORK/json")" 2
		;;
	seed001)
		ip link set vethB down
		broken "$f" 'ping: 172.18.0.3' "timeout|no route" 'tcp: "172.18.0.3:80"' "timeout|no route"
		eq "seed001: the gateway still answers" "$(field "$f" 'ping: 172.18.0.1' ok)" true
		;;
	seed002)
		ip link set veth-n2 down
		broken "$f" 'ping: 172.19.0.3' "timeout|no route" 'tcp: "172.19.0.3:80"' "timeout|no route"
		eq "seed002: none_mode still isolated" "$(jq '[.checks[] | select(.from == "none_mode" and .expect == "fail" and .ok)] | length' "$WORK/json")" 3
		;;
	seed003)
		ip -n ns2 link set veth2-ns down
		broken "$f" '{from: ns1, ping: 100.64.0.102}' "timeout|no route" 'tcp: "100.64.0.102:80"' "timeout|no route"
		;;
	seed004)
		ip link set veth138e121 down
		broken "$f" 'ping: 172.20.0.3' "timeout|no route" 'tcp: "172.20.0.3:80"' "timeout|no route"
		;;
	dualstack)
		# A narrower segment: the ping that fitted no longer does, and says so.
		ip -n router link set right mtu 1400
		broken "$f" 'size: 1422, df: true}' "too big"
		eq "dualstack: the path MTU reported" "$(field "$f" 'size: 1422, df: true}' mtu)" 1400
		ok "dualstack: repair" "$TOPO" apply "$f"
		ip -n router link set right down
		# The router says "network unreachable"; the tcp check may meet its
		# ICMP rate limit (a timeout then), so only its failure is asserted.
		broken "$f" '{from: a, ping: 10.10.2.2}' "no route" 'tcp: "10.10.2.2:80"' ""
		;;
	multipath)
		# Both of c's paths down: nothing is left of the ECMP route.
		ip -n c link set c1 down
		ip -n c link set c2 down
		broken "$f" '{from: c, ping: 10.99.0.1}' "timeout|no route" 'tcp: "10.99.0.1:80"' "timeout|no route"
		;;
	policy)
		# h1's rule deleted by hand: its traffic falls to the main table,
		# which has no default route in r.
		ip -n r rule del priority 100
		broken "$f" '{from: h1, ping: 198.51.100.1}' "timeout|no route"
		eq "policy: h2's own uplink still answers" "$(field "$f" '{from: h2, ping: 198.51.100.2}' ok)" true
		;;
	docker-forward)
		# Docker's policy drop flipped back by hand: the ports nobody
		# published are open to the outside.
		nsx dockerd nft chain inet topo-docker-forward filter_forward '{ policy accept; }'
		broken "$f" 'tcp: "172.17.0.2:22"' "unexpected success" 'tcp: "172.17.0.3:5432", expect' "unexpected success" \
			'{from: outside, ping: 172.17.0.3' "unexpected success"
		eq "docker-forward: the published port still works" "$(field "$f" 'tcp: "192.168.100.1:8080"' ok)" true
		ok "docker-forward: repair" "$TOPO" apply "$f"
		# The established,related accept deleted by hand: the containers'
		# connections out go, their replies are dropped on the way in.
		h=$(nsx dockerd nft -a list chain inet topo-docker-forward filter_forward |
			awk '/ct state established,related accept/ {print $NF}')
		nsx dockerd nft delete rule inet topo-docker-forward filter_forward handle "$h"
		broken "$f" 'tcp: "192.168.100.2:80"' "timeout" 'udp: "192.168.100.2:53"' "timeout" \
			'{from: db, ping: 192.168.100.2}' "timeout"
		# The published service's own packets all match chain docker's accept.
		eq "docker-forward: the published port does not need it" "$(field "$f" 'tcp: "192.168.100.1:8080"' ok)" true
		ok "docker-forward: repair" "$TOPO" apply "$f"
		# The published port's accept deleted: the dnat still rewrites, the
		# policy drops it.
		nsx dockerd nft flush chain inet topo-docker-forward filter_docker
		broken "$f" 'tcp: "192.168.100.1:8080"' "timeout"
		eq "docker-forward: only that one" "$(jq .failed "$WORK/json")" 1
		;;
	*) fail "no deliberate break for topology $name: add one" ;;
	esac
	ok "$name: destroy" "$TOPO" destroy "$f"
done
umount /var/run/docker/netns/467c0ddd4651
rm /var/run/docker/netns/467c0ddd4651

# ------------------------------------ a real server keeps its connection --

F=$TOPOLOGIES/seed001-bridge.yaml
ok "apply seed001" "$TOPO" apply "$F"
tcp_listen netns_B 80 "hello from the real server"
n0=$(connections_from netns_B 80 172.18.0.2)
check_json "$F"
eq "the real server got the connection" "$(connections_from netns_B 80 172.18.0.2)" $((n0 + 1))
eq "received by netns_B's own server" "$(field "$F" 'tcp: "172.18.0.3:80"' receiver_foreign)" true
eq "its server is still listening" "$(ip netns exec netns_B ss -Hltn 'sport = :80' | wc -l)" 1
eq "the source is observed even so (from the socket table)" "$(field "$F" 'tcp: "172.18.0.3:80"' source)" 172.18.0.2
eq "and the check holds" "$(field "$F" 'tcp: "172.18.0.3:80"' ok)" true
# topo's own listener on a port closes with the check: nothing left listening.
# By namespace, not by command line: a pattern would also kill other tests'
# listeners (the suite runs two at a time, and `nc -v -lk -n 80` matches 8080).
ip netns pids netns_B | xargs -r kill 2>/dev/null || true
sleep 0.2
ok "check again" "$TOPO" check "$F"
eq "nothing left listening in netns_B" "$(ip netns exec netns_B ss -Hltun | wc -l)" 0
eq "nothing left listening in netns_A" "$(ip netns exec netns_A ss -Hltun | wc -l)" 0

# ------------------------- checks refused in another topology's namespaces --

sed 's/^topology: seed001/topology: intruder/' "$F" >"$WORK/intruder.yaml"
rc 1 "check of another topology's namespaces" "$TOPO" check "$WORK/intruder.yaml"
contains "names the owner" "$WORK/out" "namespace netns_A belongs to topology seed001"
lacks "runs nothing" "$WORK/out" "✓"
ip netns add handmade
cat >"$WORK/hand.yaml" <<'YAML'
topology: hand
namespaces:
  handmade: {}
checks:
  - {from: handmade, ping: 127.0.0.1}
YAML
rc 1 "check in a namespace nobody created" "$TOPO" check "$WORK/hand.yaml"
contains "says it is not topo's" "$WORK/out" "namespace handmade was not created by topology hand"
ip netns del handmade
ok "destroy seed001" "$TOPO" destroy "$F"

# --------------------------------------------- a wrong source: expectation --

sed 's/source: 192.168.100.1}/source: 172.17.0.2}/' "$TOPOLOGIES/seed000-docker0.yaml" >"$WORK/wrongsrc.yaml"
ok "apply seed000" "$TOPO" apply "$WORK/wrongsrc.yaml"
rc 1 "a wrong source fails" "$TOPO" check "$WORK/wrongsrc.yaml"
contains "naming the observed address" "$WORK/out" \
	"✗ tcp 192.168.100.2:80 from busybox1 → outside:80, seen from 192.168.100.1"
contains "and the reason" "$WORK/out" "wrong source: seen from 192.168.100.1, expected 172.17.0.2"
contains "and the file line" "$WORK/out" "[$WORK/wrongsrc.yaml:$(line_of "$WORK/wrongsrc.yaml" 'tcp: "192.168.100.2:80"')]"
ok "destroy seed000" "$TOPO" destroy "$WORK/wrongsrc.yaml"

# ------------------------------------------------------ UDP through DNAT --

cat >"$WORK/udpnat.yaml" <<'YAML'
topology: udpnat
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
    nat:
      - dnat: {protocol: udp, port: 5353, to: "10.2.0.2:53"}
      - masquerade: {source: 10.1.0.0/24, out: eth1}
  server:
    interfaces:
      eth0: {addresses: [10.2.0.2/24]}
links:
  - [client:eth0, router:eth0]
  - [router:eth1, server:eth0]
checks:
  - {from: client, udp: "10.1.0.1:5353", arrives: "server:53", source: 10.2.0.1}
YAML
U=$WORK/udpnat.yaml
ok "apply udpnat" "$TOPO" apply "$U"
ok "udp through the dnat" "$TOPO" check "$U"
contains "received by the server on 53, masqueraded" "$WORK/out" \
	"✓ udp 10.1.0.1:5353 from client → server:53, seen from 10.2.0.1"
ip netns exec router nft flush chain inet topo-udpnat prerouting
check_json "$U"
eq "without the dnat: wrong receiver" "$(field "$U" 'udp: "10.1.0.1:5353"' reason)" "wrong receiver"
eq "the router got it" "$(field "$U" 'udp: "10.1.0.1:5353"' receiver)" "router:5353"
ok "repair" "$TOPO" apply "$U"
ip netns exec router nft flush chain inet topo-udpnat postrouting
check_json "$U"
eq "without the masquerade: wrong source" "$(field "$U" 'udp: "10.1.0.1:5353"' reason)" "wrong source"
eq "the client's own address" "$(field "$U" 'udp: "10.1.0.1:5353"' source)" 10.1.0.2
ok "destroy udpnat" "$TOPO" destroy "$U"

# ------------------------------------- DF ping at the MTU boundary: 1400 --

cat >"$WORK/mtu.yaml" <<'YAML'
topology: mtu
namespaces:
  left:
    interfaces:
      eth0: {addresses: [10.5.0.1/24, "fd05::1/64"]}
  right:
    interfaces:
      eth0: {addresses: [10.5.0.2/24, "fd05::2/64"]}
links:
  - {endpoints: [left:eth0, right:eth0], mtu: 1400}
checks:
  - {from: left, ping: 10.5.0.2, size: 1372, df: true}
  - {from: left, ping: 10.5.0.2, size: 1373, df: true, expect: fail}
  - {from: left, ping: 10.5.0.2, size: 1373}
  - {from: left, ping: "fd05::2", size: 1352, df: true}
  - {from: left, ping: "fd05::2", size: 1353, df: true, expect: fail}
YAML
M=$WORK/mtu.yaml
ok "apply mtu" "$TOPO" apply "$M"
eq "the veth's mtu" "$(ip -n left -j link show eth0 | jq .[0].mtu)" 1400
ok "1372 passes, 1373 does not (and fragmented, it does)" "$TOPO" check "$M"
contains "1373 fails as too big" "$WORK/out" "✓ ping 10.5.0.2 size 1373 df from left (too big: 1401 bytes do not fit the path MTU 1400) - fails as expected"
# Independently, with ping(8):
ok "ping -M do -s 1372" ip netns exec left ping -c 1 -W 1 -M do -s 1372 10.5.0.2
rc 1 "ping -M do -s 1373" ip netns exec left ping -c 1 -W 1 -M do -s 1373 10.5.0.2
# Expecting the boundary one to pass must fail, saying why.
sed 's/size: 1373, df: true, expect: fail}/size: 1373, df: true}/' "$M" >"$WORK/mtu2.yaml"
check_json "$WORK/mtu2.yaml"
eq "1373 with df fails" "$(field "$WORK/mtu2.yaml" '10.5.0.2, size: 1373, df: true}' reason)" "too big"
eq "the MTU named" "$(field "$WORK/mtu2.yaml" '10.5.0.2, size: 1373, df: true}' mtu)" 1400
ok "destroy mtu" "$TOPO" destroy "$M"

# ----------------------------------------------- apply waits for readiness --

cat >"$WORK/stp.yaml" <<'YAML'
topology: stp
namespaces:
  host:
    interfaces:
      sbr: {type: bridge, stp: true, addresses: [10.77.0.1/24]}
      sv: {master: sbr}
  n1:
    interfaces:
      eth0: {addresses: [10.77.0.2/24]}
links:
  - [host:sv, n1:eth0]
YAML
# STP holds the port in listening/learning for 30 s: the bound is hit.
start=$EPOCHREALTIME
rc 0 "not ready is a warning, not an error" "$TOPO" apply --wait 1 "$WORK/stp.yaml"
contains "names what is not ready" "$WORK/out" "warning: not ready after 1.0 s: host:sbr (no carrier)"
took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN{print ((b-a) >= 1 && (b-a) < 3)}')
eq "waited the bound, no longer" "$took" 1
ok "destroy stp" "$TOPO" destroy "$WORK/stp.yaml"
start=$EPOCHREALTIME
ok "--wait 0 does not wait" "$TOPO" apply --wait 0 "$WORK/stp.yaml"
lacks "no warning" "$WORK/out" "not ready"
eq "returned at once" "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN{print ((b-a) < 0.5)}')" 1
rc 1 "--wait takes seconds" "$TOPO" apply --wait soon "$WORK/stp.yaml"
contains "says so" "$WORK/out" "--wait takes seconds"
ok "destroy stp" "$TOPO" destroy "$WORK/stp.yaml"
done_ok
