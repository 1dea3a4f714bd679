# Attaching to a Docker container by name (`docker: web`, resolved through
# the Engine API on dockerd's unix socket at every run), next to a real
# dockerd inside this sandbox (tests/integration/docker-lib.sh):
# - a veth from a topo namespace into the running container, ping across;
# - `docker restart web` gives the container a new namespace: diff shows
#   the missing interface, apply says so and converges (ping again);
# - a stopped container, an unknown one, an unreachable daemon (socket
#   absent, DOCKER_HOST elsewhere, a socket nobody serves): a clear error
#   naming it, exit 1, nothing changed;
# - topo exec / show / export --netns take the container's name;
# - destroy leaves Docker's links, addresses, routes, nft ruleset and
#   iptables-save identical, and `docker run` works after.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker-lib.sh"
docker_need
docker_start
docker_image

ok "docker run web" docker run -d --pull never --name web "$DOCKER_IMAGE" httpd -f -p 80 -h /
ok "docker run other" docker run -d --pull never --name other "$DOCKER_IMAGE" sleep 3600

# Everything of Docker's a lab could touch, in host and in web's namespace
# as it is now.
docker_snapshot() {
	local out=$1 ns
	local cns
	cns=$(docker_netns_of web)
	{
		echo "== Docker's namespaces"; docker_netns_mounts | wc -l
		for ns in host "$cns"; do
			if [ "$ns" = host ]; then set -- ; else set -- nsenter --net="$ns"; fi
			echo "== link"
			"$@" ip -j -d link show | jq -S 'map(select(.ifname | test("^(lab|topo|tp)") | not)
				| del(.stats, .stats64, .operstate, .linkinfo.info_data.hello_timer,
				.linkinfo.info_data.tcn_timer, .linkinfo.info_data.topology_change_timer,
				.linkinfo.info_data.gc_timer, .linkinfo.info_slave_data.forward_delay_timer,
				.linkinfo.info_slave_data.hold_timer, .linkinfo.info_slave_data.message_age_timer))'
			echo "== addr"
			"$@" ip -j addr show | jq -S '[.[] | select(.ifname | test("^(lab|topo|tp)") | not)
				| {ifname, addr: [.addr_info[] | del(.valid_life_time, .preferred_life_time)]}]'
			echo "== route"
			"$@" ip -j route show table all | jq -S 'map(select(.dev // "" | test("^tp") | not))'
			echo "== nft"
			"$@" nft -j list ruleset | jq -S '[.nftables[] | select(has("metainfo") | not)] | del(.. | .packets?, .bytes?)'
			echo "== iptables-save"
			"$@" iptables-save | sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]//'
		done
	} >"$out"
}
docker_settled
docker_snapshot "$WORK/docker.0"
CNS0=$(docker_netns_of web)

cat >"$WORK/lab.yaml" <<'YAML'
topology: dattach
namespaces:
  peer:
    interfaces:
      tp0: {addresses: [10.79.0.1/24]}
  web:
    docker: web
    interfaces:
      tp1: {addresses: [10.79.0.2/24]}
links:
  - [peer:tp0, web:tp1]
checks:
  - {from: peer, ping: 10.79.0.2}
  - {from: web, ping: 10.79.0.1}
  - {from: web, tcp: "10.79.0.2:80", served_by: web}
YAML
F=$WORK/lab.yaml

rc 2 "diff before apply: pending" "$TOPO" diff "$F"
contains "the plan adds the veth into the container" "$WORK/out" "tp1"
ok "apply into web by name" "$TOPO" apply "$F"
rc 0 "converged" "$TOPO" diff "$F"
expect_ping peer 10.79.0.2
ok "the container answers on topo's interface" docker exec web ping -c 1 -W 2 10.79.0.1
ok "Docker's eth0 still there" docker exec web ping -c 1 -W 2 172.17.0.1
ok "topo check: from and into the container (its httpd serves port 80)" "$TOPO" check "$F"
ok "the state file records the container and its namespace" jq -e \
	--arg id "$(stat -L -c '%d:%i' "$CNS0")" '.namespaces[] | select(.name == "web")
	| .kind == "docker" and .container == "web" and .netns == $id' /run/topo/dattach.json

# topo exec by container name.
ok "topo exec web" "$TOPO" exec web -- ip -j addr
jq -e '[.[] | .ifname] | index("tp1") != null and index("eth0") != null' "$WORK/out" >/dev/null ||
	fail "topo exec web did not run in the container's namespace: $(cat "$WORK/out")"

# show: the attached namespace whole, Docker's eth0 (and lo) marked foreign.
ok "show FILE" "$TOPO" show --no-color "$F"
grep -A8 '^namespace web' "$WORK/out" >"$WORK/show-web"
grep -E '^  eth0 .*\(foreign\)$' "$WORK/show-web" >/dev/null || { cat "$WORK/out"; fail "show: eth0 not listed as foreign"; }
grep -E '^  tp1 ' "$WORK/show-web" | grep -qv foreign || { cat "$WORK/out"; fail "show: tp1 not listed as topo's"; }
contains "show: the container's address" "$WORK/show-web" "172.17.0."
contains "show: Docker's default route, foreign" "$WORK/show-web" "route default via 172.17.0.1 dev eth0  (foreign)"
contains "show: the kind" "$WORK/show-web" "(attached (docker))"
ok "show --netns web --name dattach" "$TOPO" show --no-color --netns web --name dattach
grep -E '^  eth0 .*\(foreign\)$' "$WORK/out" >/dev/null || { cat "$WORK/out"; fail "show --netns: eth0 not foreign"; }
grep -E '^  tp1 ' "$WORK/out" | grep -qv foreign || { cat "$WORK/out"; fail "show --netns: tp1 not topo's"; }
ok "show --netns web (no topology: all foreign)" "$TOPO" show --no-color --netns web
grep -E '^  tp1 .*\(foreign\)$' "$WORK/out" >/dev/null || { cat "$WORK/out"; fail "show --netns without --name: tp1 claimed"; }
ok "show --netns PATH" "$TOPO" show --no-color --netns "$CNS0"
contains "by path too" "$WORK/out" "eth0"
rc 1 "show --netns of nothing" "$TOPO" show --netns nosuch
contains "says so" "$WORK/out" "no namespace 'nosuch'"

# export --netns: a running container's namespace is written docker: NAME,
# by its name, its path or Docker's sandbox id.
for w in web "$CNS0" "$(basename "$CNS0")" docker:web; do
	ok "export --netns $w" "$TOPO" export --netns "$w" --name dexp
	contains "export --netns $w: docker: web" "$WORK/out" "docker: web"
	lacks "export --netns $w: no path" "$WORK/out" "path:"
	lacks "export --netns $w: Docker's eth0 left out" "$WORK/out" "    interfaces:"
	cp "$WORK/out" "$WORK/exp.yaml"
	ok "the export is valid" "$TOPO" validate "$WORK/exp.yaml"
done
contains "and says what it left out" "$WORK/exp.yaml" "# not exported: interface eth0 (Docker's"
ok "export of the topology" "$TOPO" export --name dattach
contains "export of the lab: docker: web" "$WORK/out" "docker: web"
# Docker not answering: the path, as before.
ok "export --netns PATH, Docker unreachable" env DOCKER_HOST=unix:///run/nothing.sock "$TOPO" export --netns "$CNS0" --name dexp
contains "falls back to path:" "$WORK/out" "path: \"$CNS0\""

# A namespace named like the container: exec, show and export say both.
ip netns add web
rc 1 "exec web, ambiguous" "$TOPO" exec web -- true
contains "names both" "$WORK/out" "'web' is both the namespace /run/netns/web and Docker's container web: say netns:web or docker:web"
rc 1 "show --netns web, ambiguous" "$TOPO" show --netns web
contains "show too" "$WORK/out" "is both the namespace"
rc 1 "export --netns web, ambiguous" "$TOPO" export --netns web
contains "export too" "$WORK/out" "is both the namespace"
ok "exec docker:web" "$TOPO" exec docker:web -- ip -j link show tp1
ok "exec netns:web" "$TOPO" exec netns:web -- ip -j link show
jq -e 'map(.ifname) == ["lo"]' "$WORK/out" >/dev/null || fail "exec netns:web did not reach /run/netns/web"
ip netns del web
rc 1 "exec by a path, still refused" "$TOPO" exec "$CNS0" -- true
contains "a name, not a path" "$WORK/out" "is not a namespace name"

# docker restart: a new namespace; the veth died with the old one.
ok "docker restart web" docker restart -t 1 web
CNS1=$(docker_netns_of web)
[ "$(stat -L -c '%d:%i' "$CNS1")" != "$(stat -L -c '%d:%i' "$CNS0" 2>/dev/null || echo gone)" ] ||
	fail "restart kept the namespace: the test proves nothing"
! nsenter --net="$CNS1" ip link show tp1 >/dev/null 2>&1 || fail "tp1 in the new namespace already"
rc 2 "diff after restart: pending" "$TOPO" diff "$F"
contains "diff: the interface is added again" "$WORK/out" "tp1"
contains "diff: says the container restarted" "$WORK/out" "container web restarted: new namespace"
ok "apply after restart" "$TOPO" apply "$F"
contains "apply: says the container restarted" "$WORK/out" "container web restarted: new namespace"
rc 0 "converged after restart" "$TOPO" diff "$F"
lacks "said once: the record follows" "$WORK/out" "restarted"
ok "tp1 back in the new namespace" nsenter --net="$CNS1" ip link show tp1
expect_ping peer 10.79.0.2

# A stopped container: an error naming it, nothing changed.
snapshot_lab() { { ip -j link show | jq -S 'map(.ifname)'; ip -n peer -j addr show | jq -S 'map({ifname, a: [.addr_info[].local]})';
	cat /run/topo/dattach.json; } >"$1"; }
ok "docker stop web" docker stop -t 1 web
# The kernel tears the container's namespace down after docker stop returns;
# the veth end there takes tp0 with it. Wait for that before the snapshot.
for _ in $(seq 100); do ip -n peer link show tp0 >/dev/null 2>&1 || break; sleep 0.1; done
snapshot_lab "$WORK/lab.stopped0"
sed -i 's/10.79.0.1\/24/10.79.0.1\/24, 10.79.9.1\/24/' "$F"     # a change apply would make
rc 1 "apply with web stopped" "$TOPO" apply "$F"
contains "names it and says why" "$WORK/out" "container 'web' is not running (exited)"
contains "with the file's position" "$WORK/out" "lab.yaml:6:3: namespace web"
rc 1 "diff with web stopped" "$TOPO" diff "$F"
contains "diff too" "$WORK/out" "container 'web' is not running (exited)"
rc 1 "exec into the stopped container" "$TOPO" exec web -- true
contains "exec too" "$WORK/out" "container 'web' is not running (exited)"
snapshot_lab "$WORK/lab.stopped1"
same_snapshot "nothing changed with web stopped" "$WORK/lab.stopped0" "$WORK/lab.stopped1"
ok "docker start web" docker start web
docker_settled
docker_snapshot "$WORK/docker.started"
ok "apply once web runs again" "$TOPO" apply "$F"
rc 0 "converged" "$TOPO" diff "$F"
expect_ping peer 10.79.0.2
CNS=$(docker_netns_of web)

# An unknown container, an unreachable daemon.
sed 's/docker: web/docker: nosuch/' "$F" >"$WORK/unknown.yaml"
rc 1 "unknown container" "$TOPO" apply "$WORK/unknown.yaml"
contains "says so" "$WORK/out" "no such container 'nosuch'"
rc 1 "DOCKER_HOST at a socket that is not there" env DOCKER_HOST=unix:///run/nothing.sock "$TOPO" diff "$F"
contains "says which socket" "$WORK/out" "Docker's socket /run/nothing.sock: No such file or directory"
rc 1 "DOCKER_HOST over tcp" env DOCKER_HOST=tcp://127.0.0.1:2375 "$TOPO" diff "$F"
contains "says topo uses the unix socket" "$WORK/out" "is not unix:///PATH"
# A socket nobody serves (a file of that name, no listener).
nc -lU /run/dead.sock & ncpid=$!
for _ in $(seq 50); do [ -S /run/dead.sock ] && break; sleep 0.1; done
kill "$ncpid"; wait "$ncpid" 2>/dev/null || true
[ -S /run/dead.sock ] || fail "no dead socket to test with"
rc 1 "a dead socket" env DOCKER_HOST=unix:///run/dead.sock "$TOPO" diff "$F"
contains "says Docker does not answer" "$WORK/out" "Docker does not answer on /run/dead.sock"
# The file's docker_socket: wins over DOCKER_HOST.
sed 's|docker: web|docker: web\n    docker_socket: /run/dead.sock|' "$F" >"$WORK/sock.yaml"
rc 1 "docker_socket: of the file" "$TOPO" diff "$WORK/sock.yaml"
contains "the file's socket is asked" "$WORK/out" "/run/dead.sock"
# Socket absent altogether: dockerd's socket moved away for a moment.
mv /run/docker.sock /run/docker.sock.away
rc 1 "daemon socket absent" "$TOPO" apply "$F"
contains "names the socket" "$WORK/out" "Docker's socket /run/docker.sock"
mv /run/docker.sock.away /run/docker.sock
rc 0 "still converged after the refusals" "$TOPO" diff "$F"

# destroy: Docker's objects as they were (in web's current namespace).
ok "destroy" "$TOPO" destroy "$F"
! nsenter --net="$CNS" ip link show tp1 >/dev/null 2>&1 || fail "tp1 left in the container"
[ ! -e /run/netns/peer ] || fail "namespace peer left behind"
[ ! -e /run/topo/dattach.json ] || fail "state file left behind"
docker_settled
docker_snapshot "$WORK/docker.1"
# (web was restarted since docker.0: its namespace and host veth are new ones.)
same_snapshot "Docker's links, addresses, routes, nft ruleset, iptables-save after destroy" \
	"$WORK/docker.started" "$WORK/docker.1"
ok "docker run after destroy" docker run --rm --pull never "$DOCKER_IMAGE" true

# destroy after the container stopped (its namespace, and the veth, died
# with it): it finishes, says why it did not ask Docker, and removes the rest.
ok "apply again" "$TOPO" apply "$F"
ok "docker stop web" docker stop -t 1 web
ok "destroy with web stopped" "$TOPO" destroy "$F"
contains "warns, naming the container" "$WORK/out" "warning: namespace web: container 'web' is not running (exited)"
[ ! -e /run/netns/peer ] || fail "namespace peer left behind"
[ ! -e /run/topo/dattach.json ] || fail "state file left behind"
ok "docker start web" docker start web
# And by --name alone, from the state file's record, with Docker gone quiet.
ok "apply again" "$TOPO" apply "$F"
CNS=$(docker_netns_of web)
ok "destroy --name, Docker unreachable" env DOCKER_HOST=unix:///run/nothing.sock "$TOPO" destroy --name dattach
! nsenter --net="$CNS" ip link show tp1 >/dev/null 2>&1 || fail "tp1 left in the container"
[ ! -e /run/netns/peer ] || fail "namespace peer left behind"

# --network container:web has no sandbox of its own: reached by its pid.
ok "docker run --network container:web" docker run -d --pull never --name side --network container:web "$DOCKER_IMAGE" sleep 3600
ok "apply again" "$TOPO" apply "$F"
ok "exec side sees web's namespace" "$TOPO" exec side -- ip -j link show tp1
sed 's/docker: web/docker: side/' "$F" >"$WORK/side.yaml"
rc 0 "the same namespace by the other container: converged" "$TOPO" diff "$WORK/side.yaml"
lacks "another container is no restart" "$WORK/out" "restarted"
ok "destroy" "$TOPO" destroy "$F"
# --network host: the namespace topo runs in, refused as any attachment to host is.
ok "docker run --network host" docker run -d --pull never --name hostnet --network host "$DOCKER_IMAGE" sleep 3600
sed 's/docker: web/docker: hostnet/' "$F" >"$WORK/hostnet.yaml"
rc 1 "a host-network container" "$TOPO" apply "$WORK/hostnet.yaml"
contains "refused" "$WORK/out" "namespace web (container hostnet) is the namespace topo runs in"
[ ! -e /run/netns/peer ] || fail "namespace peer created for a refused apply"
ok "docker rm" docker rm -f side hostnet other web
done_ok
