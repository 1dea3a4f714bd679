# Every file in topologies/: apply, its own checks pass (topo check), the
# diff converges, destroy leaves the kernel exactly as it was.
. "$(dirname "$0")/lib.sh"

# What a lab needs from outside topo: namespaces it attaches to (before
# apply), listeners behind its tcp checks (after).
prepare_after() {
	case "$1" in
	seed000) tcp_listen busybox1 80 "hello from busybox1" ;;
	seed001) tcp_listen netns_B 80 "hello from netns_B" ;;
	esac
}

prepare_before() {
	case "$1" in
	seed002)
		mkdir -p /var/run/docker/netns
		ip netns add docker-sandbox
		touch /var/run/docker/netns/467c0ddd4651
		mount --bind /run/netns/docker-sandbox /var/run/docker/netns/467c0ddd4651
		ip netns del docker-sandbox
		;;
	esac
}

for f in "$TOPOLOGIES"/*.yaml; do
	name=$(awk '/^topology:/{print $2}' "$f")
	echo "--- $name ($f)"
	prepare_before "$name"
	snapshot "$WORK/$name.before"
	ok "$name: apply" "$TOPO" apply "$f"
	prepare_after "$name"
	ok "$name: checks" "$TOPO" check "$f"
	cat "$WORK/out"
	rc 0 "$name: converged" "$TOPO" diff "$f"
	ok "$name: export" "$TOPO" export "$f"
	cp "$WORK/out" "$WORK/$name.exported.yaml"
	rc 0 "$name: export round trip converged" "$TOPO" diff "$WORK/$name.exported.yaml"
	ok "$name: graph parses with dot" bash -c "'$TOPO' graph '$f' | dot -Tsvg >/dev/null"
	ok "$name: destroy" "$TOPO" destroy "$f"
	snapshot "$WORK/$name.after"
	same_snapshot "$name: destroy leaves nothing" "$WORK/$name.before" "$WORK/$name.after"
	pkill -f "nc -l" || true
	# Namespaces attached for the lab are the test's to remove.
	if [ -e /var/run/docker/netns/467c0ddd4651 ]; then
		umount /var/run/docker/netns/467c0ddd4651
		rm /var/run/docker/netns/467c0ddd4651
	fi
done
done_ok
