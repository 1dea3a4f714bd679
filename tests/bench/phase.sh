#!/bin/bash
# tests/bench/phase.sh KIND N DIR — one measured phase of the benchmark,
# run by tests/bench/run.sh inside a fresh tests/sandbox (never call it
# outside one: it builds and tears down N namespaces).
#
#   ipbatch      DIR/ipbatch-build-N.sh, then DIR/ipbatch-teardown-N.sh
#   floor        DIR/floor build N, then DIR/floor teardown N
#   floor-netns  DIR/floor build N, then DIR/floor --by-netns teardown N
#   floor-tight  DIR/floor --tight build N, then DIR/floor --by-netns teardown N
#   topo         $TOPO apply DIR/star-N.yaml, topo diff (must exit 0), topo destroy
#
# Each timed command runs under /usr/bin/time -v (its file: DIR/N/KIND-STEP.time,
# its output: DIR/N/KIND-STEP.log), after the machine went idle. Teardowns
# are timed until the links are really gone: `ip -br link` back to its
# count before the build and /run/netns empty. After each build: pings
# between leaves (and across bridges when there are several); after each
# teardown: nothing left. Figures go to DIR/N/KIND.res as KEY=VALUE lines;
# any check that fails ends the phase with exit 1.
set -euo pipefail
KIND=${1:?usage: phase.sh KIND N DIR}
N=${2:?usage: phase.sh KIND N DIR}
DIR=${3:?usage: phase.sh KIND N DIR}
PER_BRIDGE=${PER_BRIDGE:-500}
GEN_NAT=${GEN_NAT:-1}
GEN_ADDRGEN=${GEN_ADDRGEN:-}
IDLE_PCT=${BENCH_IDLE_PCT:-5}
IDLE_MAX=${BENCH_IDLE_MAX:-60}
GONE_MAX=${BENCH_GONE_MAX:-600}
PING_MAX=${BENCH_PING_MAX:-30}
OUT=$DIR/$N
RES=$OUT/$KIND${BENCH_RUN:+.$BENCH_RUN}.res
mkdir -p "$OUT"
: >"$RES"
shopt -s nullglob

say() { printf '  [%s] %s\n' "$KIND" "$*" >&2; }
fail() { say "FAIL: $*"; echo "fail=$*" >>"$RES"; exit 1; }
put() { echo "$1=$2" >>"$RES"; }
usec() { echo "${EPOCHREALTIME/./}"; }
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }

# Busy share of all CPUs over 0.5 s, in percent, from /proc/stat.
cpu_busy() {
	local _c u1 n1 s1 i1 w1 q1 sq1 st1 u2 n2 s2 i2 w2 q2 sq2 st2 _r
	read -r _c u1 n1 s1 i1 w1 q1 sq1 st1 _r </proc/stat
	sleep 0.5
	read -r _c u2 n2 s2 i2 w2 q2 sq2 st2 _r </proc/stat
	local busy=$(( (u2 - u1) + (n2 - n1) + (s2 - s1) + (q2 - q1) + (sq2 - sq1) + (st2 - st1) ))
	local total=$(( busy + (i2 - i1) + (w2 - w1) ))
	(( total > 0 )) || total=1
	echo $(( 100 * busy / total ))
}

# Busy jiffies of all CPUs so far (user, nice, system, irq, softirq, steal).
HZ=$(getconf CLK_TCK)
cpu_jiffies() {
	local _c u n s _i _w q sq st _r
	read -r _c u n s _i _w q sq st _r </proc/stat
	echo $(( u + n + s + q + sq + st ))
}

# Until the machine is idle (namespace cleanup, DAD and MLD work after a
# big build keep it busy for seconds), at most IDLE_MAX seconds.
wait_idle() {
	local t0 b
	t0=$(usec)
	while :; do
		b=$(cpu_busy)
		(( b < IDLE_PCT )) && break
		if (( $(usec) - t0 > IDLE_MAX * 1000000 )); then
			say "warning: still ${b}% busy after ${IDLE_MAX}s; measuring anyway"
			put "idle_warning_$1" "$b"
			break
		fi
	done
	put "idle_wait_ms_$1" "$(ms $(( $(usec) - t0 )))"
}

nlinks() { ip -br link | wc -l; }
nnetns() { local f=(/run/netns/*); echo "${#f[@]}"; }

# STEP CMD...: run CMD under /usr/bin/time -v; put STEP_ms (wall, measured
# here), STEP_user, STEP_sys (s), STEP_rss_kb (peak), STEP_machine_cpu (CPU
# seconds the whole machine was busy meanwhile: kernel workers, and anything
# else running); returns CMD's status.
timed() {
	local step=$1 t0 t1 b0 b1 rc=0 tf
	shift
	tf=$OUT/$KIND-$step.time
	wait_idle "$step"
	b0=$(cpu_jiffies)
	t0=$(usec)
	/usr/bin/time -v -o "$tf" "$@" >"$OUT/$KIND-$step.log" 2>&1 || rc=$?
	t1=$(usec)
	b1=$(cpu_jiffies)
	put "${step}_ms" "$(ms $(( t1 - t0 )))"
	put "${step}_machine_cpu" "$(awk -v j=$(( b1 - b0 )) -v hz="$HZ" 'BEGIN { printf "%.2f", j / hz }')"
	put "${step}_user" "$(awk -F': ' '/User time/ { print $2 }' "$tf")"
	put "${step}_sys" "$(awk -F': ' '/System time/ { print $2 }' "$tf")"
	put "${step}_rss_kb" "$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tf")"
	put "${step}_rc" "$rc"
	T_START=$t0
	return "$rc"
}

# After a teardown command: until the links and /run/netns are back.
wait_gone() {
	local step=$1 t
	while :; do
		if (( $(nlinks) == L0 && $(nnetns) == 0 )); then
			break
		fi
		if (( $(usec) - T_START > GONE_MAX * 1000000 )); then
			fail "$step: after ${GONE_MAX}s still $(nlinks) links (want $L0) and $(nnetns) namespaces"
		fi
		sleep 0.01
	done
	t=$(usec)
	put "${step}_gone_ms" "$(ms $(( t - T_START )))"
}

# The address of leaf I (as gen.sh numbers them).
leaf_addr() {
	local k=$(( $1 / PER_BRIDGE )) j=$(( $1 % PER_BRIDGE ))
	echo "10.$k.$(( j / 250 )).$(( j % 250 + 2 ))"
}

# FROM TO: ping until it answers, for at most PING_MAX seconds (a big build
# keeps the machine busy for a while); puts how long it took.
ping_ok() {
	local from=$1 to=$2 t0 tries=0
	t0=$(usec)
	while (( $(usec) - t0 < PING_MAX * 1000000 )); do
		tries=$(( tries + 1 ))
		if ip netns exec "$from" ping -n -q -c 1 -W 1 "$to" >/dev/null 2>&1; then
			say "ping $from -> $to: ok ($tries attempt(s), $(ms $(( $(usec) - t0 ))) ms)"
			put "ping_${from}_${to}_ms" "$(ms $(( $(usec) - t0 )))"
			return 0
		fi
		sleep 0.2
	done
	say "ping $from -> $to: no answer in ${PING_MAX}s ($tries attempts)"
	return 1
}

verify_built() {
	local nbr=$(( (N + PER_BRIDGE - 1) / PER_BRIDGE )) want last
	want=$(( L0 + nbr + N ))
	(( $(nlinks) == want )) || fail "after the build: $(nlinks) links in host, want $want"
	(( $(nnetns) == N )) || fail "after the build: $(nnetns) namespaces, want $N"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "after the build: ip_forward is not 1"
	if [ "$GEN_NAT" != 0 ]; then
		# (no `| grep -q`: nft would die of SIGPIPE and pipefail say no)
		[[ $(nft list ruleset) == *masquerade* ]] || fail "after the build: no masquerade rule"
	fi
	if (( N > 1 )); then
		ping_ok n0 "$(leaf_addr 1)" || fail "ping n0 -> n1 ($(leaf_addr 1)) failed"
	else
		ping_ok n0 10.0.0.1 || fail "ping n0 -> br0 (10.0.0.1) failed"
	fi
	if (( nbr > 1 )); then
		last=$(( N - 1 ))
		ping_ok n0 "$(leaf_addr "$last")" || fail "ping n0 -> n$last ($(leaf_addr "$last")) across bridges failed"
		ping_ok "n$last" "$(leaf_addr 0)" || fail "ping n$last -> n0 across bridges failed"
	fi
	if [ -n "${GEN_ADDRGEN:-}" ]; then
		[ "$(ip -n n0 -j -d link show dev eth0 | jq -r '.[0].inet6_addr_gen_mode')" = "$GEN_ADDRGEN" ] ||
			fail "after the build: n0's eth0 has not addr_gen_mode $GEN_ADDRGEN"
		[ "$(ip -j -d link show dev h0 | jq -r '.[0].inet6_addr_gen_mode')" = "$GEN_ADDRGEN" ] ||
			fail "after the build: h0 has not addr_gen_mode $GEN_ADDRGEN"
		[ -z "$(ip -6 -o addr show scope link; ip -n n0 -6 -o addr show scope link)" ] ||
			fail "after the build: IPv6 link-local addresses in host or n0 with addr_gen_mode $GEN_ADDRGEN"
	fi
	put verified_build 1
}

verify_gone() {
	(( $(nlinks) == L0 )) || fail "after the teardown: $(nlinks) links in host, want $L0"
	(( $(nnetns) == 0 )) || fail "after the teardown: $(nnetns) namespaces left in /run/netns"
	[ -z "$(ip netns list)" ] || fail "after the teardown: ip netns list is not empty"
	[ -z "$(nft list ruleset)" ] || fail "after the teardown: nftables rules left"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$FWD0" ] || fail "after the teardown: ip_forward not back to $FWD0"
	[ -z "$(ip -o -4 addr show | awk '$2 != "lo"')" ] || fail "after the teardown: addresses left in host"
	put verified_teardown 1
}

L0=$(nlinks)
FWD0=$(cat /proc/sys/net/ipv4/ip_forward)
(( $(nnetns) == 0 )) || fail "the sandbox is not fresh: /run/netns is not empty"
put links_before "$L0"

nat_opt=()
[ "$GEN_NAT" != 0 ] || nat_opt=(--no-nat)

case $KIND in
ipbatch)
	timed build bash "$DIR/ipbatch-build-$N.sh" || fail "the ip -batch build failed (see $OUT/$KIND-build.log)"
	verify_built
	timed teardown bash "$DIR/ipbatch-teardown-$N.sh" || fail "the ip -batch teardown failed"
	wait_gone teardown
	verify_gone
	;;
floor | floor-netns | floor-tight)
	build_opt=()
	[ "$KIND" != floor-tight ] || build_opt=(--tight)
	[ -z "${GEN_ADDRGEN:-}" ] || build_opt+=(--addr-gen-none)
	timed build "$DIR/floor" "${nat_opt[@]}" "${build_opt[@]}" --per-bridge "$PER_BRIDGE" build "$N" ||
		fail "floor build failed (see $OUT/$KIND-build.log)"
	verify_built
	td=(teardown)
	[ "$KIND" = floor ] || td=(--by-netns teardown)
	timed teardown "$DIR/floor" "${nat_opt[@]}" --per-bridge "$PER_BRIDGE" "${td[@]}" "$N" ||
		fail "floor teardown failed (see $OUT/$KIND-teardown.log)"
	wait_gone teardown
	verify_gone
	;;
topo)
	: "${TOPO:?phase.sh topo: set TOPO to the topo binary}"
	FILE=$DIR/star-$N.yaml
	# The floor and ip -batch return as soon as the kernel answered; so does
	# topo with --wait 0 (its readiness wait is not part of this comparison).
	timed apply "$TOPO" apply --wait 0 "$FILE" || fail "topo apply failed (see $OUT/$KIND-apply.log)"
	verify_built
	rc=0
	timed diff "$TOPO" diff "$FILE" || rc=$?
	(( rc == 0 )) || fail "topo diff right after apply exited $rc, want 0 (see $OUT/$KIND-diff.log)"
	# Edits of the applied lab (issue 16): one leaf's address, then ten more
	# namespaces (with that address still edited); then back to FILE, untimed,
	# so that destroy takes down what the floors do.
	EDIT=$DIR/star-$N-edit.yaml
	MORE=$DIR/star-$N-more.yaml
	sed 's|^      eth0: {addresses: \[10\.0\.0\.2/16\]}$|      eth0: {addresses: [10.0.200.2/16]}|' "$FILE" >"$EDIT"
	"$(dirname "$0")/gen.sh" $(( N + 10 )) |
		sed 's|^      eth0: {addresses: \[10\.0\.0\.2/16\]}$|      eth0: {addresses: [10.0.200.2/16]}|' >"$MORE"
	cmp -s "$FILE" "$EDIT" && fail "the edit of n0's address did not change $EDIT"
	timed edit "$TOPO" apply --wait 0 "$EDIT" || fail "topo apply of one edited address failed (see $OUT/$KIND-edit.log)"
	[[ $(ip -n n0 -4 -o addr show dev eth0) == *10.0.200.2/16* ]] || fail "after the edit: n0 lacks 10.0.200.2/16"
	# (a file holds at most 4096 namespaces besides host: no ten more past that)
	if (( N + 10 <= 4096 )); then
		timed more "$TOPO" apply --wait 0 "$MORE" || fail "topo apply of ten more namespaces failed (see $OUT/$KIND-more.log)"
		(( $(nnetns) == N + 10 )) || fail "after adding ten: $(nnetns) namespaces, want $(( N + 10 ))"
	fi
	"$TOPO" apply -q --wait 0 "$FILE" >"$OUT/$KIND-back.log" 2>&1 || fail "topo apply back to $FILE failed"
	(( $(nnetns) == N )) || fail "back to $FILE: $(nnetns) namespaces, want $N"
	timed destroy "$TOPO" destroy "$FILE" || fail "topo destroy failed (see $OUT/$KIND-destroy.log)"
	wait_gone destroy
	verify_gone
	;;
*)
	fail "unknown phase $KIND"
	;;
esac
say "done"
