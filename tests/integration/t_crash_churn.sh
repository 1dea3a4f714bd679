# Crash recovery from a `topo destroy` killed (SIGKILL) mid-run, quiet and
# while someone else churns namespaces. The kill leaves namespaces of ours
# that the kernel tears down a little later (their last reference goes with
# the killed process; the kernel's one cleanup worker deletes them, veth
# ends in host and in the namespaces that stay with them). The next
# `topo apply` may read a veth end whose peer's namespace is going, plan to
# replace it, and find it gone when it acts: on main, "link del hv0: No such
# device" (mostly when the machine is quiet: the wait in backend_observe
# returns before the kernel has even started), and when a later step fails,
# a rollback that cannot make that veth again ("peer namespace is not
# open"). Another process creating and deleting its own namespaces (with
# veths) keeps that worker busy and moves the window. The apply must
# succeed and converge; the churner's namespaces and links, and a foreign
# namespace there all along, are never touched.
#   TOPO_CHURN_ROUNDS=N random-delay rounds (default 8).
#   TOPO_CHURN_KEEP_GOING=1 counts the failed applies instead of stopping
#   at the first (to measure how often).
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || fail "strace is needed (make deps)"
F=$WORK/churn.yaml
cat >"$F" <<'YAML'
topology: churn
namespaces:
  host:
    interfaces:
      hbr0: {type: bridge, addresses: [10.9.1.1/24]}
      hv0: {master: hbr0}
      hv1: {master: hbr0}
  a:
    interfaces:
      eth0: {addresses: [10.9.0.1/24]}
      eth1: {addresses: [10.9.1.2/24]}
  b:
    interfaces:
      eth0: {addresses: [10.9.0.2/24]}
      eth1: {addresses: [10.9.1.3/24]}
links:
  - [a:eth0, b:eth0]
  - [host:hv0, a:eth1]
  - [host:hv1, b:eth1]
YAML

# Someone else's namespace, there all along, with a link.
ip netns add other
ip -n other link add od0 type bridge

# The churner: its own namespaces (cN-*), each with a few veths between two
# of them, made and deleted in a loop until $WORK/stop exists. Before each
# deletion it checks that everything it made is still there: anything
# missing was taken by someone else (topo) and is logged.
churn() {
	local id=$1 i=0 x y
	while [ ! -e "$WORK/stop" ]; do
		x=c$id-$((i % 3))x y=c$id-$((i % 3))y
		ip netns add "$x" && ip netns add "$y" || echo "round $i: cannot make $x/$y" >>"$WORK/churn.err"
		for k in 0 1 2 3; do
			ip -n "$x" link add "v$k" type veth peer name "w$k" netns "$y" 2>>"$WORK/churn.err"
		done
		ip -n "$x" link add cbr type bridge
		for k in 0 1 2 3; do
			ip -n "$x" link show "v$k" >/dev/null 2>&1 || echo "round $i: $x/v$k is gone" >>"$WORK/churn.err"
			ip -n "$y" link show "w$k" >/dev/null 2>&1 || echo "round $i: $y/w$k is gone" >>"$WORK/churn.err"
		done
		ip -n "$x" link show cbr >/dev/null 2>&1 || echo "round $i: $x/cbr is gone" >>"$WORK/churn.err"
		ip netns del "$x" || echo "round $i: $x was deleted by someone else" >>"$WORK/churn.err"
		ip netns del "$y" || echo "round $i: $y was deleted by someone else" >>"$WORK/churn.err"
		i=$((i + 1))
	done
	echo "$i" >"$WORK/churn$id.rounds"
}
: >"$WORK/churn.err"
churn1='' churn2=''
start_churn() {
	rm -f "$WORK/stop"
	churn 1 &
	churn1=$!
	churn 2 &
	churn2=$!
}
stop_churn() {
	: >"$WORK/stop"
	[ -z "$churn1" ] || wait "$churn1" "$churn2" 2>/dev/null || true
	churn1='' churn2=''
}
trap 'stop_churn; rm -rf "$WORK"' EXIT

ours() { ls -A /run/netns | grep -vx -e other -e 'c[0-9]-[0-9][xy]' || true; }
host_links() { ip -j link show | jq -c '[.[] | select(.ifname | startswith("topo-b") | not) | {ifname, ifalias}] | sort_by(.ifname)'; }
base_links=$(host_links)
foreign_ok() {
	eq "$1: other's link" "$(ip -n other -j link show od0 | jq -r '.[0].ifname')" od0
	eq "$1: other is unmarked" "$(ip -n other -j link show lo | jq -r '.[0].ifalias // "none"')" none
	[ ! -s "$WORK/churn.err" ] || { cat "$WORK/churn.err" >&2; fail "$1: the churner's namespaces were touched"; }
}
clean() {
	eq "$1: /run/netns" "$(ours | tr '\n' ' ')" ""
	eq "$1: host links" "$(host_links)" "$base_links"
	eq "$1: state file" "$(ls -A /run/topo | grep -v '\.lock$' || true)" ""
	foreign_ok "$1"
}
# The kernel as the file says: checked through ip -j.
converged() {
	local h
	for h in hv0:a hv1:b; do
		eq "$1: ${h%:*} in hbr0" "$(ip -j link show "${h%:*}" | jq -r '.[0].master')" hbr0
		eq "$1: ${h%:*} up" "$(ip -j link show "${h%:*}" | jq -r '.[0].flags | index("UP") != null')" true
	done
	ok "$1: a's eth1 is hv0's peer" test "$(ip -n a -j link show eth1 | jq -r '.[0].link_index')" = \
		"$(ifindex host hv0)"
	ok "$1: a's eth1 address" has_addr a eth1 10.9.1.2/24
	ok "$1: b's eth1 address" has_addr b eth1 10.9.1.3/24
	ok "$1: a's eth0 address" has_addr a eth0 10.9.0.1/24
	expect_ping host 10.9.1.2
	expect_ping a 10.9.0.2
	foreign_ok "$1"
}

# killed_run SYSCALL N CMD...: CMD under strace, SIGKILL at the Nth SYSCALL.
# 0: CMD completed (fewer calls than N); 1: it was killed there.
killed_run() {
	local sc=$1 n=$2 got=0; shift 2
	( ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -qq -o /dev/null -e trace="$sc" \
		-e inject="$sc":signal=KILL:when="$n" "$@" >"$WORK/kout" 2>&1; exit $? ) 2>/dev/null || got=$?
	[ "$got" -eq 0 ] && return 0
	[ "$got" -eq 137 ] || { cat "$WORK/kout" >&2; fail "$sc#$n: '$*' exited $got, not killed"; }
	return 1
}

rounds=0 failures=0
# recover WHAT [VAR=VALUE...]: the apply right after the kill (with those
# test hooks) must succeed and converge; then a destroy leaves nothing.
recover() {
	local what=$1; shift
	rounds=$((rounds + 1))
	if ! env "$@" "$TOPO" apply -q "$F" >"$WORK/out" 2>&1; then
		failures=$((failures + 1))
		echo "--- $what: apply failed:" >&2
		cat "$WORK/out" >&2
		[ "${TOPO_CHURN_KEEP_GOING:-0}" = 1 ] || fail "$what: apply after the killed destroy failed"
		# (keep going, to count how often: put the lab back for the next round)
		"$TOPO" destroy -q "$F" >/dev/null 2>&1 || true
		ok "$what: apply once more" "$TOPO" apply -q "$F"
	fi
	rc 0 "$what: diff after apply" "$TOPO" diff -q "$F"
	converged "$what"
	ok "$what: destroy" "$TOPO" destroy -q "$F"
	clean "$what"
}

ok "first apply" "$TOPO" apply -q "$F"
converged "first apply"
ok "first destroy" "$TOPO" destroy -q "$F"
clean "first destroy"

# Killed at each call of the namespace deletions' unmount and unlinks, and
# of the first sends (the link deletion, the wait for the links to go).
# sweep DELAYS: after each kill, an apply whose steps are DELAY ms apart
# (TOPO_STEP_DELAY_MS), for each of DELAYS: 0 is the race as it comes; 100
# lets the kernel's teardown of a namespace found going land between the
# read and the steps (on main: "link del hv0: No such device").
sweep() {
	local sc n delay max pts
	for sc in umount2 unlink sendto; do
		max=12; [ "$sc" = sendto ] && max=6
		pts=0
		for n in $(seq "$max"); do
			for delay in "$@"; do
				ok "$sc#$n: set up" "$TOPO" apply -q "$F"
				if killed_run "$sc" "$n" "$TOPO" destroy -q "$F"; then
					clean "$sc#$n: destroy completed"
					break 2
				fi
				recover "destroy killed at $sc#$n, steps ${delay} ms apart" TOPO_STEP_DELAY_MS="$delay"
			done
			pts=$n
		done
		echo "$sc: $pts kill points"
	done
}
echo "quiet:"
sweep 100

# A failed apply in that state rolls back, and the rollback does not try to
# make again a veth whose peer's namespace the kernel took (nor put back what
# hung on it): it says the kernel is as it was, and it is, less what the
# kernel's teardown removed. Killed at the second unmount (a going) and at
# the fifth unlink (a and b going); then a step fails (TOPO_FAIL_AT_STEP)
# at 2, 4 and 7 (an apply after such a kill plans 8 to 17 steps).
# expect_after_kill: what should be left once the kernel is done: the
# namespaces still there and the host ends whose peer's namespace is.
# A namespace counts while its name is still a mount: destroy unmounts all
# the names of a batch before it unlinks any, so a kill in between leaves
# names that are no namespace any more (the apply finishes their deletion).
live() { local n; for n in $(ours | grep -v '^\.'); do mountpoint -q "/run/netns/$n" && echo "$n"; done; true; }
expect_after_kill() {
	local h
	echo "netns: $(live | tr '\n' ' ')"
	for h in hv0:a hv1:b; do
		mountpoint -q "/run/netns/${h#*:}" && echo "${h%:*}"
	done
	true
}
left_now() {
	local h
	echo "netns: $(live | tr '\n' ' ')"
	for h in hv0 hv1; do link_exists host "$h" && echo "$h"; done
	true
}
# Steps 0 ms apart, the plan's deletions mostly come before the kernel's
# (on main the rollback then fails: "veth hv0: peer namespace  is not
# open"); 100 ms apart, mostly after.
for kp in umount2:2 unlink:5; do
	for at in 2 4 7; do
		for delay in 0 100; do
			what="destroy killed at ${kp/:/#}, apply failing at step $at, steps $delay ms apart"
			ok "$what: set up" "$TOPO" apply -q "$F"
			killed_run "${kp%:*}" "${kp#*:}" "$TOPO" destroy -q "$F" && fail "$what: the destroy was not killed"
			want=$(expect_after_kill)
			rc 1 "$what: fails" env TOPO_STEP_DELAY_MS="$delay" TOPO_FAIL_AT_STEP="$at" "$TOPO" apply "$F"
			contains "$what: fails where told" "$WORK/out" "injected failure"
			contains "$what: rolled back" "$WORK/out" "the kernel is as it was"
			lacks "$what: nothing left undone" "$WORK/out" "could not be undone"
			for _ in $(seq 50); do [ "$(left_now)" = "$want" ] && break; sleep 0.1; done
			eq "$what: the kernel as it was, less the kernel's teardown" "$(left_now)" "$want"
			foreign_ok "$what"
			recover "$what, then a plain apply"
		done
	done
done

echo "while another process churns namespaces:"
start_churn
sweep 0 100

# Killed after a random delay (the destroy timed first).
ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
ok "timed apply" "$TOPO" apply -q "$F"
t0=$(ms); ok "timed destroy" "$TOPO" destroy -q "$F"; dur=$(( $(ms) - t0 ))
echo "destroy takes ${dur} ms here, under churn"
for r in $(seq "${TOPO_CHURN_ROUNDS:-8}"); do
	ok "round $r: set up" "$TOPO" apply -q "$F"
	"$TOPO" destroy -q "$F" >"$WORK/rnd.out" 2>&1 &
	pid=$!
	delay=$(( (RANDOM * 32768 + RANDOM) % (dur + 1) ))
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -s KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	recover "round $r: destroy killed at ${delay} ms" TOPO_STEP_DELAY_MS=$(( (r % 2) * 100 ))
done

stop_churn
foreign_ok "end"
echo "churn rounds: $(cat "$WORK/churn1.rounds") + $(cat "$WORK/churn2.rounds")"
echo "killed destroys: $rounds, failed applies after them: $failures"
[ "$failures" -eq 0 ] || fail "$failures of $rounds applies after a killed destroy failed"
done_ok
