# Sourced after lib.sh by the tests that need a real Docker: a dockerd from
# Debian's docker.io, run inside this test's sandbox (tests/sandbox: private
# network + mount namespace, private /run), so it sees only the sandbox's
# network and leaves nothing on the machine.
#   data root    $WORK/docker (the test's temp directory)
#   exec root    /run/docker (so its netns files are /run/docker/netns/<id>,
#                /var/run/docker/netns/<id> as on a real host)
#   socket       /run/docker.sock (DOCKER_HOST is set to it)
#   pidfile      /run/docker.pid
#   image        $DOCKER_IMAGE, made by `docker import` from a busybox-static
#                rootfs built here: no registry, no network.
# docker_need first: without docker.io it prints one SKIP line and the test
# exits 77 (run.sh counts it skipped), except under CI=true, where a missing
# dockerd is a failure. docker_start adds docker_stop to the EXIT trap:
# containers removed, dockerd and its containerd stopped, their cgroups
# removed, whatever the test's outcome; and a watchdog does the same if the
# test is killed outright (no trap runs then).

DOCKER_EXEC_ROOT=/run/docker
DOCKER_SOCK=/run/docker.sock
DOCKER_PIDFILE=/run/docker.pid
DOCKER_IMAGE=topo-busybox:test
export DOCKER_HOST=unix://$DOCKER_SOCK
# The client's own config (and anything it caches) stays in the test's directory.
export DOCKER_CONFIG=$WORK/docker-cli
# One cgroup parent per run (cgroupfs driver) that also holds dockerd,
# containerd and the shims, so every process the run started can be found
# and is gone at the end.
DOCKER_CGROUP=topo-test-$$
dockerd_pid= docker_watchdog=

docker_need() {
	local missing="" p
	for p in dockerd docker containerd runc; do
		command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	# busybox-static: a static /bin/busybox, the only binary of the image.
	if ! dpkg-query -W -f='${Status}\n' busybox-static 2>/dev/null | grep -q '^install ok installed'; then
		missing="$missing busybox-static"
	fi
	command -v iptables-save >/dev/null 2>&1 || missing="$missing iptables"
	[ -z "$missing" ] && return 0
	if [ "${CI:-}" = true ]; then
		fail "Docker tests under CI=true, but missing:$missing (make deps installs docker.io, busybox-static, iptables under CI)"
	fi
	echo "SKIP: $(basename "$0" .sh) needs Docker (missing:$missing); enable with: make deps DOCKER=1"
	exit 77
}

# Every cgroup directory of this run's parent, deepest first.
docker_cgroup_dirs() {
	local c
	for c in /sys/fs/cgroup/*/"$DOCKER_CGROUP" /sys/fs/cgroup/"$DOCKER_CGROUP"; do
		[ -d "$c" ] && find "$c" -depth -type d
	done
	return 0
}

docker_start() {
	local i
	mkdir -p "$WORK/docker" "$DOCKER_CONFIG"
	# Not /etc/docker/daemon.json of this machine but a config of our own,
	# and the trust key dockerd 20.10 makes at start (default
	# /etc/docker/key.json) kept in the test's directory.
	printf '{"deprecated-key-path": "%s"}\n' "$WORK/docker-key.json" >"$WORK/daemon.json"
	trap 'docker_stop; rm -rf "$WORK"' EXIT
	# dockerd in a cgroup of its own: containerd and every shim inherit it.
	local cg=/sys/fs/cgroup/pids
	[ -d "$cg" ] || cg=/sys/fs/cgroup
	mkdir -p "$cg/$DOCKER_CGROUP/daemon"
	DOCKER_CGROUP_DAEMON=$cg/$DOCKER_CGROUP/daemon \
	bash -c 'echo $$ >"$DOCKER_CGROUP_DAEMON/cgroup.procs" && exec "$@"' dockerd \
	dockerd --config-file "$WORK/daemon.json" \
		--data-root "$WORK/docker" --exec-root "$DOCKER_EXEC_ROOT" \
		--pidfile "$DOCKER_PIDFILE" -H "unix://$DOCKER_SOCK" \
		--storage-driver vfs --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$DOCKER_CGROUP" \
		--shutdown-timeout 2 --log-level warn \
		>"$WORK/dockerd.log" 2>&1 &
	dockerd_pid=$!
	# A test killed outright (SIGKILL: no EXIT trap) would leave dockerd,
	# its containerd, shims and containers running: a watchdog of ours waits
	# for this shell to go and then ends everything in the run's cgroup.
	local me=$BASHPID
	(
		trap '' INT TERM HUP PIPE
		exec </dev/null >/dev/null 2>&1
		while kill -0 "$me" 2>/dev/null; do sleep 0.5; done
		docker_kill_cgroup
		{ findmnt -rn -o TARGET | grep -F "$WORK/" | sort -r || true; } | while read -r c; do umount -l "$c" || true; done
		rm -rf "$WORK"
	) &
	docker_watchdog=$!
	for i in $(seq 300); do
		[ -S "$DOCKER_SOCK" ] && docker version >/dev/null 2>&1 && break
		if ! kill -0 "$dockerd_pid" 2>/dev/null; then
			tail -n 30 "$WORK/dockerd.log" >&2
			fail "dockerd exited at start"
		fi
		sleep 0.1
	done
	docker version >/dev/null 2>&1 || { tail -n 30 "$WORK/dockerd.log" >&2; fail "dockerd's socket did not answer in 30 s"; }
	# docker0 is made during start; wait for its address so snapshots are stable.
	for i in $(seq 100); do
		ip -j addr show dev docker0 2>/dev/null | jq -e '.[0].addr_info | length > 0' >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "dockerd started without docker0"
}

# docker_image: $DOCKER_IMAGE from a busybox-static rootfs, by docker import.
docker_image() {
	local root=$WORK/rootfs
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
	cp /bin/busybox "$root/bin/busybox"
	for a in $("$root/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
	done
	echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
	echo 'root:x:0:' >"$root/etc/group"
	tar -C "$root" -cf "$WORK/rootfs.tar" .
	docker import -c 'CMD ["/bin/sh"]' "$WORK/rootfs.tar" "$DOCKER_IMAGE" >/dev/null ||
		fail "docker import of the busybox rootfs failed"
}

# docker_netns_mounts: Docker's live network namespaces, the nsfs mounts
# under its netns directory. (A removed container's netns file is unmounted
# at once but deleted only by libnetwork's garbage collection, a minute
# later: a bare file is no namespace.)
docker_netns_mounts() { findmnt -rn -t nsfs -o TARGET | grep "^$DOCKER_EXEC_ROOT/netns/" | sort || true; }

# docker_settled: IPv6 DAD done (no tentative address) in the host and in
# every container namespace, and one live namespace per running container
# (`docker run --rm` returns before Docker has released the namespace of
# the container it ran): a snapshot taken then does not catch Docker half-way.
docker_settled() {
	local i ns busy
	for i in $(seq 100); do
		busy=$(ip -6 addr show tentative)
		for ns in $(docker_netns_mounts); do
			busy=$busy$(nsenter --net="$ns" ip -6 addr show tentative 2>/dev/null || echo "$ns: gone")
		done
		[ -z "$busy" ] && [ "$(docker_netns_mounts | wc -l)" -eq "$(docker ps -q | wc -l)" ] && return 0
		sleep 0.1
	done
	fail "Docker did not settle in 10 s (tentative addresses or namespaces of removed containers)"
}

# docker_netns_of CONTAINER: the path of its network namespace (SandboxKey).
docker_netns_of() { docker inspect -f '{{.NetworkSettings.SandboxKey}}' "$1"; }

# Anything still in this run's cgroups (a shim or a container whose dockerd
# died) is killed by its pid, then the cgroups are removed.
docker_kill_cgroup() {
	local pid i c
	for i in $(seq 50); do
		pid=$(docker_cgroup_dirs | { while read -r c; do cat "$c/cgroup.procs" 2>/dev/null || true; done; } | sort -u)
		[ -z "$pid" ] && break
		kill -KILL $pid 2>/dev/null || true
		sleep 0.1
	done
	docker_cgroup_dirs | { while read -r c; do rmdir "$c" 2>/dev/null || echo "docker: cgroup $c left" >&2; done; }
	return 0
}

docker_stop() {
	local i ids c
	if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
		ids=$(docker ps -aq 2>/dev/null || true)
		[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
		kill -TERM "$dockerd_pid" 2>/dev/null || true
		for i in $(seq 200); do
			kill -0 "$dockerd_pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$dockerd_pid" 2>/dev/null; then
			echo "docker_stop: dockerd did not stop in 20 s: killed" >&2
			kill -KILL "$dockerd_pid" 2>/dev/null || true
		fi
	fi
	[ -z "$dockerd_pid" ] || wait "$dockerd_pid" 2>/dev/null || true
	docker_kill_cgroup
	# The data root is a plain directory once its mounts are gone.
	{ findmnt -rn -o TARGET | grep -F "$WORK/" | sort -r || true; } | while read -r c; do umount -l "$c" || true; done
	if [ -n "$docker_watchdog" ]; then
		kill -KILL "$docker_watchdog" 2>/dev/null || true
		wait "$docker_watchdog" 2>/dev/null || true
	fi
	docker_watchdog=
	dockerd_pid=
	return 0
}
