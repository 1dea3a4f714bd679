# Every file in topologies/: apply, its own checks pass (topo check, with no
# other process started), the diff converges, destroy leaves the kernel
# exactly as it was.
. "$(dirname "$0")/lib.sh"

# What a lab needs from outside topo: namespaces it attaches to (before
# apply). Nothing after: topo check brings its own listeners.
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
	# A file across several hosts needs them: t_nodes applies those.
	if grep -q '^nodes:' "$f"; then
		ok "$name: validates" "$TOPO" validate "$f"
		ok "$name: graph parses with dot" bash -c "'$TOPO' graph '$f' | dot -Tsvg >/dev/null"
		continue
	fi
	prepare_before "$name"
	snapshot "$WORK/$name.before"
	ok "$name: apply" "$TOPO" apply "$f"
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
	# Namespaces attached for the lab are the test's to remove.
	if [ -e /var/run/docker/netns/467c0ddd4651 ]; then
		umount /var/run/docker/netns/467c0ddd4651
		rm /var/run/docker/netns/467c0ddd4651
	fi
done
done_ok
