# Next to a real Docker (docker-lib.sh), the promises a lab must keep and
# the ways through Docker's rules:
#  - destroy of a lab applied before dockerd started keeps ip_forward on
#    (Docker depends on it), says so once, -q silences it;
#  - apply --adopt of a file declaring docker0 (hand-written, or an export
#    of the host) is refused naming Docker, nothing applied;
#  - a dnat on the port Docker publishes is a conflict naming Docker, exit 1,
#    nothing applied;
#  - behind Docker's FORWARD policy drop with bridge-nf-call-iptables=1 a
#    lab's bridged and routed checks fail; with coexist: {docker_user: true}
#    they pass; destroy removes exactly the rules it added (iptables-save and
#    nft ruleset identical);
#  - ip_forward: 0 next to Docker: one warning, -q silent;
#  - Docker's preflight warnings once each, none under -q.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker-lib.sh"
docker_need

# iptables-save without counters and comments (dates).
ipt_save() { iptables-save | sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]//'; }
# Everything of Docker's a lab could touch, on the host.
host_snapshot() {
	{
		echo "== link"
		ip -j -d link show | jq -S 'map(select(.ifname | test("^(lab|topo)") | not)
			| del(.stats, .stats64, .operstate, .linkinfo.info_data.hello_timer,
			.linkinfo.info_data.tcn_timer, .linkinfo.info_data.topology_change_timer,
			.linkinfo.info_data.gc_timer, .linkinfo.info_slave_data.forward_delay_timer,
			.linkinfo.info_slave_data.hold_timer, .linkinfo.info_slave_data.message_age_timer))'
		echo "== addr"
		ip -j addr show | jq -S '[.[] | select(.ifname | test("^(lab|topo)") | not)
			| {ifname, addr: [.addr_info[] | del(.valid_life_time, .preferred_life_time)]}]'
		echo "== route"; ip -j route show table all | jq -S '.'
		echo "== nft"
		nft -j list ruleset | jq -S '[.nftables[] | select(has("metainfo") | not)] | del(.. | .packets?, .bytes?)'
		echo "== iptables-save"; ipt_save
		echo "== ip_forward=$(cat /proc/sys/net/ipv4/ip_forward)"
	} >"$1"
}

# ------------------------------------------------ ip_forward under a later dockerd
# A lab that turns forwarding on, applied while no Docker runs here.
cat >"$WORK/fwd.yaml" <<'YAML'
topology: dfwd
namespaces:
  host:
    sysctls: {net.ipv4.ip_forward: 1}
    interfaces:
      labf: {type: bridge, addresses: [10.79.0.1/24]}
YAML
eq "forwarding off before" "$(cat /proc/sys/net/ipv4/ip_forward)" 0
ok "apply before dockerd" "$TOPO" apply "$WORK/fwd.yaml"
cp "$WORK/fwd.yaml" "$WORK/fwdq.yaml"
sed -i 's/dfwd/dfwdq/; s/labf/labq/; s/10.79.0.1/10.79.1.1/' "$WORK/fwdq.yaml"
ok "a second such lab" "$TOPO" apply "$WORK/fwdq.yaml"
docker_start
docker_image
ok "docker run" docker run -d --pull never --name web -p 8080:80 "$DOCKER_IMAGE" httpd -f -p 80 -h /
CIP=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' web)
for _ in $(seq 50); do nc -n -z -w 1 "$CIP" 80 && break; sleep 0.1; done
ok "destroy the first" "$TOPO" destroy "$WORK/fwd.yaml"
eq "the other lab still holds ip_forward" "$(cat /proc/sys/net/ipv4/ip_forward)" 1
"$TOPO" destroy "$WORK/fwdq.yaml" >"$WORK/out" 2>"$WORK/err" || fail "destroy of the last lab failed"
eq "destroy after dockerd started keeps forwarding on" "$(cat /proc/sys/net/ipv4/ip_forward)" 1
contains "and says why" "$WORK/err" "keeping net.ipv4.ip_forward=1 (it was 0 before topo): Docker"
eq "said once" "$(grep -c keeping "$WORK/err")" 1
ok "the container still reachable" ping -c 1 -W 2 "$CIP"
ok "docker run works" docker run --rm --pull never "$DOCKER_IMAGE" true
# -q: the same decision, silently.
echo 0 >/proc/sys/net/ipv4/ip_forward
"$TOPO" apply -q "$WORK/fwd.yaml" >/dev/null 2>&1 || fail "re-apply"
eq "forwarding on" "$(cat /proc/sys/net/ipv4/ip_forward)" 1
"$TOPO" destroy -q "$WORK/fwd.yaml" >"$WORK/out" 2>"$WORK/err" || fail "destroy -q failed"
eq "-q: nothing on stderr" "$(cat "$WORK/err")" ""
eq "-q: kept all the same" "$(cat /proc/sys/net/ipv4/ip_forward)" 1

# Docker sets FORWARD policy drop when it is the one that turns forwarding
# on: a dockerd started on a host with ip_forward 0.
docker_stop
echo 0 >/proc/sys/net/ipv4/ip_forward
docker_start
ok "docker run" docker run -d --pull never --name web -p 8080:80 "$DOCKER_IMAGE" httpd -f -p 80 -h /
CIP=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' web)
for _ in $(seq 50); do nc -n -z -w 1 "$CIP" 80 && break; sleep 0.1; done
iptables -S FORWARD | grep -qx -- '-P FORWARD DROP' || fail "Docker did not set FORWARD policy drop"
iptables -S DOCKER-USER >/dev/null 2>&1 || fail "no DOCKER-USER chain (Docker not on iptables-nft?)"
echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
docker_settled
host_snapshot "$WORK/host.0"
grep -q -- '--dport 8080 -j DNAT' "$WORK/host.0" || fail "Docker's published port is not in iptables-save"

# ------------------------------------------------------------ adopt refusal
cat >"$WORK/adopt.yaml" <<'YAML'
topology: dadopt
namespaces:
  host:
    interfaces:
      docker0: {type: bridge, addresses: [172.17.0.1/16]}
YAML
rc 1 "adopt of docker0 refused" "$TOPO" apply --adopt "$WORK/adopt.yaml"
contains "naming Docker" "$WORK/out" "docker0 is Docker's: its ports lead to container namespaces"
contains "nothing applied" "$WORK/out" "nothing was changed"
[ ! -e /run/topo/dadopt.json ] || fail "a state file was written"
# The export of the host (docker0, the container's veth) adopted back.
ok "export the host" "$TOPO" export --name dhost
cp "$WORK/out" "$WORK/host-export.yaml"
contains "export says what it left out" "$WORK/host-export.yaml" "nft table ip nat (iptables-nft rules; Docker's chains"
# (host is shared: its export holds only what carries topo's marks.)
lacks "the host's export claims no docker0" "$WORK/host-export.yaml" "docker0"
# The container's namespace declared with Docker's eth0 in it, adopted: refused.
CNS=$(docker inspect -f '{{.NetworkSettings.SandboxKey}}' web)
cat >"$WORK/adopt-ns.yaml" <<YAML
topology: dadoptns
namespaces:
  web:
    path: $CNS
    interfaces:
      eth0: {type: bridge}
YAML
rc 1 "adopt of Docker's eth0 refused" "$TOPO" apply --adopt "$WORK/adopt-ns.yaml"
contains "naming Docker's namespace" "$WORK/out" "is Docker's ($CNS): topo never takes over what is in it"
host_snapshot "$WORK/host.1"
same_snapshot "nothing of Docker's changed by the refused adopts" "$WORK/host.0" "$WORK/host.1"

# ------------------------------------------------- dnat on Docker's port
cat >"$WORK/dnat.yaml" <<'YAML'
topology: ddnat
namespaces:
  host:
    nat:
      - dnat: {protocol: tcp, port: 8080, to: "10.77.0.2:80"}
YAML
rc 1 "dnat on 8080: conflict" "$TOPO" apply "$WORK/dnat.yaml"
contains "naming Docker" "$WORK/out" "tcp port 8080 is already published by Docker (table ip nat chain DOCKER)"
rc 1 "diff says the same" "$TOPO" diff "$WORK/dnat.yaml"
contains "diff names Docker" "$WORK/out" "already published by Docker"
! nft list table inet topo-ddnat >/dev/null 2>&1 || fail "a table was created"
sed -i 's/port: 8080/port: 8081/' "$WORK/dnat.yaml"
rc 2 "another port is no conflict (a plan, exit 2)" "$TOPO" diff "$WORK/dnat.yaml"
host_snapshot "$WORK/host.2"
same_snapshot "nothing applied by the refused dnat" "$WORK/host.0" "$WORK/host.2"

# ------------------------------------------ a way through Docker's FORWARD drop
cat >"$WORK/lab.yaml" <<'YAML'
topology: dcoex
namespaces:
  host:
    interfaces:
      lab0: {type: bridge, addresses: [10.77.0.1/24]}
      lab-a: {master: lab0}
      lab-b: {master: lab0}
      lab1: {type: bridge, addresses: [10.78.0.1/24]}
      lab-c: {master: lab1}
  a:
    interfaces:
      eth0: {addresses: [10.77.0.2/24]}
    routes:
      - {to: default, via: 10.77.0.1}
  b:
    interfaces:
      eth0: {addresses: [10.77.0.3/24]}
  c:
    interfaces:
      eth0: {addresses: [10.78.0.2/24]}
    routes:
      - {to: default, via: 10.78.0.1}
links:
  - [host:lab-a, a:eth0]
  - [host:lab-b, b:eth0]
  - [host:lab-c, c:eth0]
checks:
  - {from: a, ping: 10.77.0.3}
  - {from: a, ping: 10.78.0.2}
YAML
"$TOPO" apply "$WORK/lab.yaml" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err" >&2; fail "apply of the lab"; }
contains "warns about Docker's drop" "$WORK/err" "Docker's iptables chains are present"
eq "each warning once" "$(sort "$WORK/err" | uniq -d | wc -l)" 0
"$TOPO" diff -q "$WORK/lab.yaml" >"$WORK/out" 2>"$WORK/err" || fail "converged"
eq "-q: no warning" "$(cat "$WORK/err")" ""
rc 1 "behind Docker's drop the lab's checks fail" "$TOPO" check "$WORK/lab.yaml"
sed -i 's/^topology: dcoex$/topology: dcoex\ncoexist: {docker_user: true}/' "$WORK/lab.yaml"
# A failure at each of the four DOCKER-USER steps rolls back the ones before.
ipt_save >"$WORK/ipt.before"
for k in 1 2 3 4; do
	rc 1 "fail at docker_user step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/lab.yaml"
	contains "rolled back" "$WORK/out" "rolled back"
	ipt_save >"$WORK/ipt.k"
	cmp -s "$WORK/ipt.before" "$WORK/ipt.k" || { diff "$WORK/ipt.before" "$WORK/ipt.k" >&2; fail "rollback at $k left rules"; }
done
ok "apply with coexist docker_user" "$TOPO" apply "$WORK/lab.yaml"
contains "adds its accepts" "$WORK/out" "+ rule ip filter DOCKER-USER iifname \"lab0\" accept"
rc 0 "converged" "$TOPO" diff "$WORK/lab.yaml"
ok "the lab's checks pass" "$TOPO" check "$WORK/lab.yaml"
ipt_save >"$WORK/ipt.applied"
eq "four rules marked topo:dcoex" "$(grep -c -- '-A DOCKER-USER .*--comment "\?topo:dcoex"\? -j ACCEPT' "$WORK/ipt.applied")" 4
contains "iif lab0" "$WORK/ipt.applied" "-A DOCKER-USER -i lab0 -m comment --comment"
contains "oif lab1" "$WORK/ipt.applied" "-A DOCKER-USER -o lab1 -m comment --comment"
ok "Docker still serves" nc -n -z -w 2 "$CIP" 80
# A rule of someone else's in DOCKER-USER, and one with another topology's mark: left alone.
iptables -I DOCKER-USER -i lab0 -j ACCEPT
iptables -I DOCKER-USER -i labx -m comment --comment "topo:otherlab" -j ACCEPT
ipt_save >"$WORK/ipt.foreign"
rc 0 "foreign rules: still converged" "$TOPO" diff "$WORK/lab.yaml"
# Drift: one of ours removed by hand comes back.
iptables -D DOCKER-USER -o lab1 -m comment --comment "topo:dcoex" -j ACCEPT
rc 2 "drift seen" "$TOPO" diff "$WORK/lab.yaml"
ok "repaired" "$TOPO" apply "$WORK/lab.yaml"
ok "destroy" "$TOPO" destroy "$WORK/lab.yaml"
ipt_save >"$WORK/ipt.after"
lacks "no rule of ours left" "$WORK/ipt.after" "topo:dcoex"
contains "the foreign rule stays" "$WORK/ipt.after" "-A DOCKER-USER -i lab0 -j ACCEPT"
contains "the other topology's stays" "$WORK/ipt.after" "topo:otherlab"
iptables -D DOCKER-USER -i lab0 -j ACCEPT
iptables -D DOCKER-USER -i labx -m comment --comment "topo:otherlab" -j ACCEPT
docker_settled
host_snapshot "$WORK/host.3"
same_snapshot "destroy removed exactly what it added (iptables-save, nft ruleset)" "$WORK/host.0" "$WORK/host.3"

# --------------------------------------------------- ip_forward: 0 next to Docker
cat >"$WORK/off.yaml" <<'YAML'
topology: doff
namespaces:
  host:
    sysctls: {net.ipv4.ip_forward: 0}
YAML
"$TOPO" diff "$WORK/off.yaml" >"$WORK/out" 2>"$WORK/err" || true
eq "one warning" "$(grep -c 'net.ipv4.ip_forward=0 cuts off Docker' "$WORK/err")" 1
"$TOPO" apply "$WORK/off.yaml" >"$WORK/out" 2>"$WORK/err" || fail "apply ip_forward 0"
eq "apply: once" "$(grep -c 'cuts off Docker' "$WORK/err")" 1
"$TOPO" destroy -q "$WORK/off.yaml" >/dev/null 2>&1 || fail "destroy off"
eq "restored (it was on before this lab)" "$(cat /proc/sys/net/ipv4/ip_forward)" 1
"$TOPO" apply -q "$WORK/off.yaml" >"$WORK/out" 2>"$WORK/err" || fail "apply -q ip_forward 0"
eq "-q: silent" "$(cat "$WORK/err")" ""
ok "destroy" "$TOPO" destroy "$WORK/off.yaml"
eq "forwarding back on" "$(cat /proc/sys/net/ipv4/ip_forward)" 1
ok "docker run at the end" docker run --rm --pull never "$DOCKER_IMAGE" true
ok "docker rm" docker rm -f web
done_ok
