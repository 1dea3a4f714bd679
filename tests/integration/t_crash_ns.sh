# Crash safety of namespace creation and deletion, which send no netlink
# message a TOPO_KILL_AFTER_MSG hook could stop at: SIGKILL at every call of
# each system call that creation and deletion make (strace's fault injection,
# N = 1, 2, ... until the run completes), during apply and during destroy.
# After each kill, a plain `topo apply` must converge and a plain
# `topo destroy` remove everything; and, from a fresh kill, `topo destroy`
# alone must. Checked with /run/netns and ip -j, a full snapshot every few
# rounds. Around the lab: a namespace and a plain file that are someone
# else's, which no round may touch. Then: a state-file entry is not proof,
# and SIGTERM/SIGINT stop at a step boundary and roll back.
# Last, random SIGKILL/SIGTERM rounds during apply and destroy of a
# 200-namespace star (tests/bench/gen.sh), each recovered by a plain apply
# and a plain destroy to a snapshot identical to the one before.
#   TOPO_CRASH_NS_FULL=1 also sweeps openat, close, sendto, recvfrom, recvmsg.
#   TOPO_CRASH_ROUNDS=N random rounds (default 4).
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || fail "strace is needed (make deps)"
F=$WORK/crashns.yaml
cat >"$F" <<'YAML'
topology: crashns
namespaces:
  host:
    interfaces:
      hbr0: {type: bridge, addresses: [10.9.1.1/24]}
      hv0: {master: hbr0}
  a:
    interfaces:
      eth0: {addresses: [10.9.0.1/24]}
      eth1: {addresses: [10.9.1.2/24]}
    routes:
      - {to: 10.9.2.0/24, via: 10.9.0.2}
  b:
    interfaces:
      eth0: {addresses: [10.9.0.2/24]}
links:
  - [a:eth0, b:eth0]
  - [host:hv0, a:eth1]
YAML

# Someone else's: an unmarked namespace with a link, and a plain file.
ip netns add other
ip -n other link add od0 type bridge
: >/run/netns/stray
others() { ls -A /run/netns | grep -vxF -e other -e stray || true; }
host_links() { ip -j link show | jq -c '[.[] | {ifname, ifalias}] | sort_by(.ifname)'; }
foreign_ok() {
	[ -f /run/netns/stray ] && [ ! -s /run/netns/stray ] || fail "$1: the plain file stray was touched"
	eq "$1: other's link" "$(ip -n other -j link show od0 | jq -r '.[0].ifname')" od0
	eq "$1: other is unmarked" "$(ip -n other -j link show lo | jq -r '.[0].ifalias // "none"')" none
}
snap() { snapshot "$1"; grep -v '^stray$' "$1" >"$1.f" || true; }
base_links=$(host_links)
snapshot_ns_clean() {
	eq "$1: /run/netns" "$(others | tr '\n' ' ')" ""
	eq "$1: host links" "$(host_links)" "$base_links"
	eq "$1: state file" "$(ls -A /run/topo | grep -v '\.lock$' || true)" ""
	foreign_ok "$1"
}
# Full snapshot: the namespace list without stray (ip netns exec cannot enter it).
mv /run/netns/stray "$WORK/stray.keep"
snapshot "$WORK/before"
mv "$WORK/stray.keep" /run/netns/stray
full_check() {
	mv /run/netns/stray "$WORK/stray.keep"
	snapshot "$WORK/after"
	mv "$WORK/stray.keep" /run/netns/stray
	same_snapshot "$1" "$WORK/before" "$WORK/after"
}

# The calls namespace creation and deletion make (and the state file's).
SYSCALLS="unshare setns mount umount2 renameat2 mknodat unlink write statx faccessat2 socket rename fsync"
[ "${TOPO_CRASH_NS_FULL:-0}" = 1 ] && SYSCALLS="$SYSCALLS openat close sendto recvfrom recvmsg"

# killed_run SYSCALL N CMD...: runs CMD under strace, SIGKILL at the Nth SYSCALL.
# 0: CMD completed (fewer calls than N); 1: it was killed there.
killed_run() {
	local sc=$1 n=$2 got=0; shift 2
	# (a subshell, so that bash reports the death to /dev/null)
	# (LeakSanitizer cannot work under ptrace)
	( ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -qq -o /dev/null -e trace="$sc" \
		-e inject="$sc":signal=KILL:when="$n" "$@" >"$WORK/kout" 2>&1; exit $? ) 2>/dev/null || got=$?
	if [ "$got" -eq 0 ]; then return 0; fi
	# Killed: strace reports the tracee's death by the signal.
	[ "$got" -eq 137 ] || { cat "$WORK/kout" >&2; fail "$sc#$n: '$*' exited $got, not killed"; }
	return 1
}

recover_apply() {
	ok "$1: apply converges" "$TOPO" apply -q "$F"
	rc 0 "$1: diff after apply" "$TOPO" diff -q "$F"
	ok "$1: destroy" "$TOPO" destroy -q "$F"
	rc 0 "$1: nothing left to destroy" "$TOPO" destroy "$F"
	contains "$1: nothing left" "$WORK/out" "nothing to destroy"
	snapshot_ns_clean "$1"
}
recover_destroy() {
	ok "$1: destroy alone" "$TOPO" destroy -q "$F"
	snapshot_ns_clean "$1"
}

points=0 rounds=0
for phase in apply destroy; do
	for sc in $SYSCALLS; do
		n=1
		while :; do
			for recovery in apply destroy; do
				[ "$phase" = destroy ] && ok "set up" "$TOPO" apply -q "$F"
				if killed_run "$sc" "$n" "$TOPO" "$phase" -q "$F"; then
					[ "$phase" = destroy ] && snapshot_ns_clean "$phase completed"
					[ "$phase" = apply ] && ok "completed apply" "$TOPO" destroy -q "$F"
					break 2
				fi
				rounds=$((rounds + 1))
				"recover_$recovery" "$phase killed at $sc#$n, $recovery"
				[ $((rounds % 25)) -eq 0 ] && full_check "$phase killed at $sc#$n"
			done
			points=$((points + 1))
			n=$((n + 1))
			[ "$n" -le 400 ] || fail "$sc: more than 400 calls?"
		done
		echo "$phase: $sc: $((n - 1)) kill points"
	done
done
full_check "after every kill"
echo "kill points: $points ($rounds killed runs), every one recovered"

# A state-file entry is not proof: killed after recording "about to create a"
# (at the first unshare), then someone else makes a namespace of that name.
killed_run unshare 1 "$TOPO" apply -q "$F" && fail "the apply was not killed"
grep -q '"a"' /run/topo/crashns.json || fail "the state file does not record a"
ip netns add a
ip -n a link add mine type bridge
rc 1 "apply refuses someone else's a" "$TOPO" apply "$F"
contains "names the conflict" "$WORK/out" "namespace a exists"
ok "destroy" "$TOPO" destroy -q "$F"
eq "a is still there" "$(ip -n a -j link show mine | jq -r '.[0].ifname')" mine
ip netns del a
ok "destroy" "$TOPO" destroy -q "$F"
snapshot_ns_clean "after the foreign a"

# Another topology's leftover at our name, and a foreign mount: conflicts.
printf 'topo:elsewhere\n' >/run/netns/a
rc 1 "another topology's leftover is a conflict" "$TOPO" apply "$F"
contains "says whose" "$WORK/out" "topology 'elsewhere'"
rm /run/netns/a
: >"$WORK/file"; : >/run/netns/a; mount --bind "$WORK/file" /run/netns/a
rc 1 "a foreign mount is a conflict" "$TOPO" diff "$F"
contains "says what" "$WORK/out" "mount of something that is not a network namespace"
umount /run/netns/a; rm /run/netns/a
snapshot_ns_clean "after the conflicts"

# SIGTERM and SIGINT: stop at a step boundary, roll back, say so, die of it.
for sig in TERM INT; do
	# A background job's SIGINT is ignored by bash: give it back its default.
	TOPO_STEP_DELAY_MS=30 python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$TOPO" apply "$F" >"$WORK/sig.out" 2>&1 &
	pid=$!
	# Once the plan is printed, steps are running (30 ms each).
	for _ in $(seq 100); do grep -q "netns add b" "$WORK/sig.out" && break; sleep 0.05; done
	sleep 0.1
	kill -s "$sig" "$pid"
	got=0; wait "$pid" || got=$?
	[ "$sig" = TERM ] && want=143 || want=130
	eq "SIG$sig: died of it" "$got" "$want"
	contains "SIG$sig: says so" "$WORK/sig.out" "interrupted by SIG$sig"
	contains "SIG$sig: rolled back" "$WORK/sig.out" "the kernel is as it was"
	full_check "SIG$sig rolled back"
	snapshot_ns_clean "SIG$sig rolled back"
done

# Random rounds on 200 namespaces.
S=$WORK/star.yaml
"$ROOT/tests/bench/gen.sh" 200 >"$S"
rounds=${TOPO_CRASH_ROUNDS:-4}
killed=0 termed=0 finished=0
# How long each takes here: the signal lands anywhere in that time.
ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
t0=$(ms); ok "timed apply" "$TOPO" apply -q "$S"; t1=$(ms)
ok "timed destroy" "$TOPO" destroy -q "$S"; t2=$(ms)
dur_apply=$((t1 - t0)) dur_destroy=$((t2 - t1))
echo "200 namespaces: apply ${dur_apply} ms, destroy ${dur_destroy} ms"
for r in $(seq "$rounds"); do
	phase=apply; [ $((RANDOM % 2)) -eq 0 ] && phase=destroy
	sig=KILL; [ $((RANDOM % 2)) -eq 0 ] && sig=TERM
	[ "$phase" = destroy ] && ok "round $r: set up" "$TOPO" apply -q "$S"
	"$TOPO" "$phase" -q "$S" >"$WORK/rnd.out" 2>&1 &
	pid=$!
	dur=$dur_apply; [ "$phase" = destroy ] && dur=$dur_destroy
	delay=$(( (RANDOM * 32768 + RANDOM) % (dur + 1) ))
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -s "$sig" "$pid" 2>/dev/null || true
	got=0; wait "$pid" 2>/dev/null || got=$?
	case $got in
	0) finished=$((finished + 1)) ;;
	137) killed=$((killed + 1)) ;;
	143) termed=$((termed + 1))
		# Silent: it came while topo was still reading the file or waiting
		# for the lock, before it blocks the signal (cmd/apply.c): nothing
		# may have changed then.
		if [ "$phase" = apply ] && [ ! -s "$WORK/rnd.out" ]; then
			[ ! -e /run/topo/bench.json ] || fail "round $r: SIGTERM before the run, yet a state file"
			snapshot_ns_clean "round $r: SIGTERM at ${delay} ms, before the run: nothing changed"
		elif [ "$phase" = apply ]; then
			contains "round $r: SIGTERM says so" "$WORK/rnd.out" "interrupted by SIGTERM"
			contains "round $r: SIGTERM rolled back" "$WORK/rnd.out" "the kernel is as it was"
			snapshot_ns_clean "round $r: apply rolled back after SIGTERM at ${delay} ms"
		fi ;;
	*) cat "$WORK/rnd.out" >&2; fail "round $r: $phase exited $got after SIG$sig at ${delay} ms" ;;
	esac
	echo "round $r: SIG$sig at ${delay} ms into $phase: exit $got"
	ok "round $r: apply converges" "$TOPO" apply -q "$S"
	rc 0 "round $r: converged" "$TOPO" diff -q "$S"
	eq "round $r: 200 namespaces" "$(others | wc -l)" 200
	ok "round $r: destroy" "$TOPO" destroy -q "$S"
	snapshot_ns_clean "round $r"
	full_check "round $r: SIG$sig at ${delay} ms into $phase"
done
echo "random rounds: $rounds ($killed killed, $termed stopped by SIGTERM, $finished finished first), every one recovered"
done_ok
