# `docker:` against a fake Docker Engine API (netcat on a unix socket, one
# canned answer per connection), so it runs without dockerd: the container
# "web" is a namespace made here, its "restart" another one. What a real
# daemon would answer (t_docker_attach) and what a broken or hostile one
# might: every answer but a good one is an error naming the container,
# exit 1, nothing changed.
. "$(dirname "$0")/lib.sh"

SOCK=/run/fake-docker.sock
export DOCKER_HOST=unix://$SOCK
fakepid=

fake_stop() {
	[ -z "$fakepid" ] && return 0
	kill "$fakepid" 2>/dev/null || true
	wait "$fakepid" 2>/dev/null || true
	# The listener the loop was waiting on, by its pid.
	[ -s "$WORK/ncpid" ] && kill "$(cat "$WORK/ncpid")" 2>/dev/null || true
	fakepid=
	rm -f "$SOCK"
}
trap 'fake_stop; rm -rf "$WORK"' EXIT

# fake_docker STATUS BODYFILE: answer every request with it.
fake_docker() {
	local status=$1 body=$2
	fake_stop
	{
		printf 'HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' \
			"$status" "$(stat -c %s "$body")"
		cat "$body"
	} >"$WORK/answer"
	(
		while :; do
			rm -f "$SOCK"
			nc -N -lU "$SOCK" <"$WORK/answer" >/dev/null 2>&1 &
			echo $! >"$WORK/ncpid"
			wait $! || sleep 0.05
		done
	) &
	fakepid=$!
	fake_ready
}
# Between two connections the socket is made again: wait for it.
fake_ready() {
	local i
	for i in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.02; done
	fail "the fake Docker socket did not come up"
}

ID=3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899
inspect() {   # inspect RUNNING STATUS PID SANDBOXKEY >FILE
	printf '{"Id":"%s","Name":"/web","State":{"Status":"%s","Running":%s,"Pid":%s},"NetworkSettings":{"SandboxKey":"%s"}}' \
		"$ID" "$2" "$1" "$3" "$4"
}

ip netns add fakeA
ip netns add fakeB
inspect true running 4242 /run/netns/fakeA >"$WORK/a.json"
inspect true running 4243 /run/netns/fakeB >"$WORK/b.json"

cat >"$WORK/lab.yaml" <<'YAML'
topology: dapi
namespaces:
  peer:
    interfaces:
      tp0: {addresses: [10.80.0.1/24]}
  web:
    docker: web
    interfaces:
      tp1: {addresses: [10.80.0.2/24]}
links:
  - [peer:tp0, web:tp1]
YAML
F=$WORK/lab.yaml

fake_docker "200 OK" "$WORK/a.json"
ok "apply into the container's namespace" "$TOPO" apply "$F"
fake_ready
rc 0 "converged" "$TOPO" diff "$F"
ok "tp1 is in fakeA" ip -n fakeA link show tp1
expect_ping peer 10.80.0.2
ok "the state file records the container" jq -e '.namespaces[] | select(.name == "web")
	| .kind == "docker" and .container == "web" and .path == "/run/netns/fakeA"' /run/topo/dapi.json

# A restart: the same container, another namespace.
fake_docker "200 OK" "$WORK/b.json"
rc 2 "diff: pending" "$TOPO" diff "$F"
contains "says the container restarted" "$WORK/out" "note: container web restarted: new namespace (/run/netns/fakeB, was /run/netns/fakeA)"
contains "adds the interface there" "$WORK/out" "tp1 netns web"
fake_ready
ok "apply" "$TOPO" apply "$F"
fake_ready
rc 0 "converged" "$TOPO" diff "$F"
lacks "said once" "$WORK/out" "restarted"
ok "tp1 is in fakeB" ip -n fakeB link show tp1

# Every other answer: an error naming the container, nothing changed.
sed -i 's|10.80.0.1/24|10.80.0.1/24, 10.80.9.1/24|' "$F"
lab_state() { { ip -j link show | jq -S 'map(.ifname)'; ip -n peer -j addr | jq -S 'map({ifname, a: [.addr_info[].local]})';
	ip -n fakeB -j addr | jq -S 'map({ifname, a: [.addr_info[].local]})'; cat /run/topo/dapi.json; } >"$1"; }
lab_state "$WORK/before"
refused() {   # refused WHAT STATUS BODYFILE MESSAGE
	fake_docker "$2" "$3"
	rc 1 "$1" "$TOPO" apply "$F"
	contains "$1: says so" "$WORK/out" "$4"
	contains "$1: at the namespace" "$WORK/out" "lab.yaml:6:3: namespace web:"
	contains "$1: nothing changed" "$WORK/out" "nothing was changed"
}
inspect false exited 0 "" >"$WORK/stopped.json"
refused "stopped" "200 OK" "$WORK/stopped.json" "container 'web' is not running (exited)"
echo '{"message":"No such container: web"}' >"$WORK/404.json"
refused "no such container" "404 Not Found" "$WORK/404.json" "no such container 'web' (Docker on $SOCK)"
echo '{"message":"something broke\u001b[2J"}' >"$WORK/500.json"
refused "a daemon error" "500 Internal Server Error" "$WORK/500.json" "answered 500 for container 'web': something broke?[2J"
echo '<html>proxy error</html>' >"$WORK/html.json"
refused "not JSON" "200 OK" "$WORK/html.json" "unexpected answer: not JSON"
printf '{"Id":"%s","Name":"/web","State":{"Running":true,"Pid":"4242"}}' "$ID" >"$WORK/type.json"
refused "a pid as a string" "200 OK" "$WORK/type.json" "unexpected answer: State.Pid: must be an integer"
printf '{"Id":"%s","Name":"/web","State":{"Running":true}}' "$ID" >"$WORK/nopid.json"
refused "no pid" "200 OK" "$WORK/nopid.json" "State.Pid: missing"
inspect true running 4242 "netns/fakeB" >"$WORK/rel.json"
refused "a relative sandbox key" "200 OK" "$WORK/rel.json" "is not an absolute path"
inspect true running 4242 "/run/netns/../netns/fakeB" >"$WORK/dots.json"
refused "a sandbox key with .." "200 OK" "$WORK/dots.json" "is not an absolute path"
inspect true running 4242 /run/netns/nosuch >"$WORK/gone.json"
refused "a sandbox key that is not there" "200 OK" "$WORK/gone.json" "container 'web': its namespace /run/netns/nosuch: No such file or directory"
# 5 MB: more than topo reads; refused while it arrives.
{ printf '{"Id":"%s","Name":"/web","State":{"Running":true,"Pid":5},"Pad":"' "$ID"; head -c 5000000 /dev/zero | tr '\0' a; printf '"}'; } >"$WORK/huge.json"
refused "a huge answer" "200 OK" "$WORK/huge.json" "with more than 4194304 bytes"
fake_stop
rc 1 "no daemon" "$TOPO" apply "$F"
contains "names the socket" "$WORK/out" "Docker's socket $SOCK: No such file or directory"
lab_state "$WORK/after"
same_snapshot "nothing changed by any refused apply" "$WORK/before" "$WORK/after"

# destroy by the record alone, with nobody answering.
ok "destroy --name" "$TOPO" destroy --name dapi
! ip -n fakeB link show tp1 >/dev/null 2>&1 || fail "tp1 left in fakeB"
[ ! -e /run/netns/peer ] || fail "peer left behind"
ok "fakeA and fakeB are not topo's to delete" test -e /run/netns/fakeA -a -e /run/netns/fakeB
ip netns del fakeA
ip netns del fakeB
done_ok
