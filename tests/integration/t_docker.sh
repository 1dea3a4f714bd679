# Next to a real Docker (tests/integration/docker-lib.sh: Debian's dockerd
# inside this sandbox, an image imported from a busybox-static rootfs): a
# lab applied beside a running container and destroyed leaves Docker's
# links, addresses, routes (host and the container's namespace), its netns
# files, `nft -j list ruleset` and `iptables-save` identical, and Docker
# keeps working (its container reachable, its published port served, a new
# `docker run` succeeds), while applied and after. `export --netns` of the
# container's namespace (by id or path) is an attachment that claims nothing
# of Docker's, and adopt + destroy of it leaves Docker as it was; a lab
# attached by path adds its own veth into the container and takes only that
# away.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker-lib.sh"
docker_need
docker_start
docker_image

# A container with a published port (Docker's DNAT rules in table ip nat)
# serving http on its port 80.
mkdir -p "$WORK/www" && echo "from the container" >"$WORK/www/index.html"
ok "docker run" docker run -d --pull never --name web -p 8080:80 "$DOCKER_IMAGE" httpd -f -p 80 -h /
ok "its address" docker inspect -f '{{.NetworkSettings.IPAddress}}' web
CIP=$(cat "$WORK/out")
[ -n "$CIP" ] || fail "the container has no address"
CNS=$(docker_netns_of web)
[ -e "$CNS" ] || fail "no netns file $CNS"
for _ in $(seq 50); do nc -n -z -w 1 "$CIP" 80 && break; sleep 0.1; done

# Everything of Docker's that a lab next to it could touch.
docker_snapshot() {
	local out=$1 f
	{
		echo "== Docker's namespaces"; docker_netns_mounts
		for ns in host "$CNS"; do
			if [ "$ns" = host ]; then set -- ; else set -- nsenter --net="$ns"; fi
			echo "== $ns link"
			# Counters, carrier timing and the lab's ports on no Docker
			# object left out; ifindexes kept (the same links, not look-alikes).
			"$@" ip -j -d link show | jq -S 'map(select(.ifname | test("^(lab|topo)") | not)
				| del(.stats, .stats64, .operstate, .linkinfo.info_data.hello_timer,
				.linkinfo.info_data.tcn_timer, .linkinfo.info_data.topology_change_timer,
				.linkinfo.info_data.gc_timer, .linkinfo.info_slave_data.forward_delay_timer,
				.linkinfo.info_slave_data.hold_timer, .linkinfo.info_slave_data.message_age_timer))'
			echo "== $ns addr"
			"$@" ip -j addr show | jq -S '[.[] | select(.ifname | test("^(lab|topo)") | not)
				| {ifname, addr: [.addr_info[] | del(.valid_life_time, .preferred_life_time)]}]'
			echo "== $ns route"
			"$@" ip -j route show table all | jq -S '.'
			echo "== $ns nft"
			"$@" nft -j list ruleset | jq -S '[.nftables[] | select(has("metainfo") | not)] | del(.. | .packets?, .bytes?)'
			echo "== $ns iptables-save"
			"$@" iptables-save | sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]//'
			echo "== $ns sysctl"
			for f in net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.bridge.bridge-nf-call-iptables \
				net.ipv4.conf.docker0.route_localnet; do
				echo "$f=$("$@" cat "/proc/sys/$(echo "$f" | tr . /)" 2>/dev/null || echo -)"
			done
		done
	} >"$out"
}
docker_settled
docker_snapshot "$WORK/docker.0"
grep -q -- '--dport 8080 -j DNAT' "$WORK/docker.0" || fail "Docker's published port is not in iptables-save"

# A lab beside it in the same host namespace: a bridge with a namespace
# behind it, NAT and forward rules in topo's own inet table.
cat >"$WORK/lab.yaml" <<'YAML'
topology: nextdocker
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
F=$WORK/lab.yaml
ok "apply next to dockerd" "$TOPO" apply "$F"
rc 0 "converged" "$TOPO" diff "$F"
ok "the lab's checks" "$TOPO" check "$F"

# Docker works while the lab is applied.
ok "host to the container" ping -c 1 -W 2 "$CIP"
ok "the container to its gateway" docker exec web ping -c 1 -W 2 172.17.0.1
ok "the container's http" nc -n -z -w 2 "$CIP" 80
ok "the published port, through docker-proxy on loopback" nc -n -z -w 2 127.0.0.1 8080
# From the lab's namespace to Docker's published port on the host's lab
# address: Docker's DNAT, Docker's FORWARD accept, topo's masquerade.
ok "the lab reaches the published port" ip netns exec a nc -n -z -w 2 10.77.0.1 8080
ok "docker run while applied" docker run --rm --pull never "$DOCKER_IMAGE" true
docker_settled
docker_snapshot "$WORK/docker.applied"
# (Only topo's table was added: Docker's own rules are the same objects.)
jq -r '.nftables[]?.table?.name // empty' <(nft -j list ruleset) >"$WORK/tables"
contains "our table is there" "$WORK/tables" "topo-nextdocker"

ok "destroy" "$TOPO" destroy "$F"
lacks "no foreign object named" "$WORK/out" "docker0"
docker_settled
docker_snapshot "$WORK/docker.1"
same_snapshot "Docker's links, addresses, routes, nft ruleset, iptables-save after destroy" \
	"$WORK/docker.0" "$WORK/docker.1"
! nft list table inet topo-nextdocker >/dev/null 2>&1 || fail "our table left behind"
! ip link show lab0 >/dev/null 2>&1 || fail "lab0 left behind"
[ ! -e /run/netns/a ] || fail "namespace a left behind"

# And Docker still works.
ok "host to the container after destroy" ping -c 1 -W 2 "$CIP"
ok "published port after destroy" nc -n -z -w 2 127.0.0.1 8080
ok "docker run after destroy" docker run --rm --pull never "$DOCKER_IMAGE" true

# export --netns of Docker's namespace, by sandbox id and by path: an
# attachment (path:), nothing of Docker's claimed: no docker0, no eth0.
ID=$(basename "$CNS")
ok "export --netns ID" "$TOPO" export --netns "$ID" --name dexp
cp "$WORK/out" "$WORK/exp-id.yaml"
# (A running container's namespace is written by the container's name.)
contains "by id: an attachment" "$WORK/exp-id.yaml" "docker: web"
contains "says what it left out" "$WORK/exp-id.yaml" "# not exported: interface eth0 (Docker's"
lacks "no docker0" "$WORK/exp-id.yaml" "docker0"
lacks "no veth of Docker's" "$WORK/exp-id.yaml" "links:"
lacks "no interfaces section" "$WORK/exp-id.yaml" "interfaces:"
ok "export --netns PATH" "$TOPO" export --netns "$CNS" --name dexp
cp "$WORK/out" "$WORK/exp-path.yaml"
contains "by path: an attachment" "$WORK/exp-path.yaml" "docker: web"
lacks "no docker0 either" "$WORK/exp-path.yaml" "docker0"
ok "the export is valid" "$TOPO" validate "$WORK/exp-id.yaml"
rc 1 "a name that is nothing" "$TOPO" export --netns nosuch0
contains "says so" "$WORK/out" "no network namespace 'nosuch0'"
# apply --adopt + destroy of each export: Docker's objects untouched.
for f in exp-id exp-path; do
	ok "apply --adopt $f" "$TOPO" apply --adopt "$WORK/$f.yaml"
	ok "destroy $f" "$TOPO" destroy "$WORK/$f.yaml"
done
docker_settled
docker_snapshot "$WORK/docker.2"
same_snapshot "Docker's objects after adopt + destroy of the export" "$WORK/docker.0" "$WORK/docker.2"
ok "docker run after adopt + destroy" docker run --rm --pull never "$DOCKER_IMAGE" true

# Attached by path, topo adds its own interface to the container and takes
# only that away again.
cat >"$WORK/attach.yaml" <<YAML
topology: attachdocker
namespaces:
  host:
    interfaces:
      lab-c: {addresses: [10.78.0.1/24]}
  web:
    path: $CNS
    interfaces:
      eth1: {addresses: [10.78.0.2/24]}
links:
  - [host:lab-c, web:eth1]
YAML
ok "apply into the container's namespace" "$TOPO" apply "$WORK/attach.yaml"
rc 0 "converged" "$TOPO" diff "$WORK/attach.yaml"
ok "host to the container over topo's veth" ping -c 1 -W 2 10.78.0.2
ok "the container to the host over it" docker exec web ping -c 1 -W 2 10.78.0.1
ok "Docker's eth0 still there" docker exec web ping -c 1 -W 2 172.17.0.1
ok "destroy" "$TOPO" destroy "$WORK/attach.yaml"
! nsenter --net="$CNS" ip link show eth1 >/dev/null 2>&1 || fail "eth1 left in the container"
docker_settled
docker_snapshot "$WORK/docker.3"
same_snapshot "Docker's objects after an attached lab's destroy" "$WORK/docker.0" "$WORK/docker.3"
ok "docker run at the end" docker run --rm --pull never "$DOCKER_IMAGE" true
ok "docker rm" docker rm -f web
done_ok
