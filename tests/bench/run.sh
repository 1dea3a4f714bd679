#!/bin/bash
# tests/bench/run.sh TOPO N — the scale benchmark of issue 7 ("Speed at
# scale"), run by `make bench N=1000`.
#
# The workload (tests/bench/gen.sh): a star of N namespaces n0..n(N-1) on
# bridges of at most 500 ports (br0 10.0.0.1/16, br1 10.1.0.1/16, ...), each
# namespace with a veth eth0 (host end hI, a port of its bridge), an address
# and a default route; ip_forward on and one masquerade rule. Built three
# ways, each phase in a fresh tests/sandbox (its own network and mount
# namespaces: nothing reaches this machine's network):
#
#   ipbatch      iproute2 as people script it (tests/bench/gen-ipbatch.sh)
#   floor        tests/bench/floor.c: raw pipelined rtnetlink (the previous
#                floor, issue 7); torn down link by link
#   floor-netns  the same build, torn down by unmounting the namespaces
#   floor-tight  floor --tight (issue 16): the same kernel state with one tx
#                and one rx queue per veth end and the bridges brought up
#                last (the lower bound); torn down by unmounting the namespaces
#   topo         topo apply, a no-op topo diff, topo destroy
#
# Teardowns are timed until the links are really gone. Figures, ratios and
# the targets' verdicts are printed and written to build/bench/result-N.txt.
# Exit 0 when every phase ran and checked out (pings worked, nothing left);
# missed targets are reported, not failures.
#
# Environment: GEN_NAT=0|1 (default: on if topo applies a masquerade rule,
# probed first), PER_BRIDGE (500), BENCH_PHASES ("ipbatch floor floor-netns
# floor-tight topo"), BENCH_IDLE_PCT (5: CPU-busy percentage counted as idle),
# BENCH_IDLE_MAX (60 s), BENCH_GONE_MAX (600 s), GEN_ADDRGEN=none (every build,
# topo's file and the floors', with addr_gen_mode none on every bridge and veth
# end: no IPv6 link-local addresses; gen.sh).
set -euo pipefail
TOPO=${1:?usage: run.sh TOPO N}
N=${2:?usage: run.sh TOPO N}
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: N must be a positive integer" >&2; exit 1; }
[ -x "$TOPO" ] || { echo "run.sh: $TOPO is not an executable" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$ROOT/tests/bench
SANDBOX=$ROOT/tests/sandbox
DIR=$ROOT/build/bench
PER_BRIDGE=${PER_BRIDGE:-500}
PHASES=${BENCH_PHASES:-ipbatch floor floor-netns floor-tight topo}
RUNS=${BENCH_RUNS:-1}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: BENCH_RUNS must be a positive integer" >&2; exit 1; }
RESULT=$DIR/result-$N.txt
mkdir -p "$DIR"

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: needs root (tests/sandbox creates network and mount namespaces)" >&2
	exit 1
fi
if [ ! -x /usr/bin/time ]; then
	echo "run.sh: installing GNU time (/usr/bin/time)" >&2
	apt-get install -y -qq --no-install-recommends time >/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends time >/dev/null; }
fi

# The floor program, rebuilt when its source changed.
if [ ! -x "$DIR/floor" ] || [ "$BENCH/floor.c" -nt "$DIR/floor" ]; then
	# shellcheck disable=SC2046 # pkg-config's words are meant to split
	cc -std=c11 -O2 -Wall -Wextra -Werror -o "$DIR/floor" "$BENCH/floor.c" $(pkg-config --cflags --libs libmnl)
fi

# Does topo apply a masquerade rule yet? (nat support may be in progress.)
NAT_NOTE=""
if [ -z "${GEN_NAT:-}" ]; then
	GEN_NAT=1 "$BENCH/gen.sh" 1 >"$DIR/nat-probe.yaml"
	if "$SANDBOX" "$TOPO" apply -q "$DIR/nat-probe.yaml" >"$DIR/nat-probe.log" 2>&1; then
		GEN_NAT=1
	else
		GEN_NAT=0
		NAT_NOTE=$(grep -m1 'error' "$DIR/nat-probe.log" || head -n1 "$DIR/nat-probe.log")
	fi
fi
GEN_ADDRGEN=${GEN_ADDRGEN:-}
export GEN_NAT GEN_ADDRGEN PER_BRIDGE

"$BENCH/gen.sh" "$N" >"$DIR/star-$N.yaml"
"$BENCH/gen-ipbatch.sh" "$N" build >"$DIR/ipbatch-build-$N.sh"
"$BENCH/gen-ipbatch.sh" "$N" teardown >"$DIR/ipbatch-teardown-$N.sh"
"$TOPO" validate "$DIR/star-$N.yaml" >/dev/null

nbr=$(( (N + PER_BRIDGE - 1) / PER_BRIDGE ))
echo "== bench N=$N: $N namespaces on $nbr bridge(s), masquerade $([ "$GEN_NAT" = 1 ] && echo on || echo off)" >&2
VALID=1
rm -f "$DIR/$N"/*.res
# BENCH_RUNS rounds of every phase, alternating: the report gives medians
# (and min-max where there are several).
for run in $(seq 1 "$RUNS"); do
	for phase in $PHASES; do
		echo "-- phase $phase, run $run of $RUNS (fresh sandbox)" >&2
		if ! "$SANDBOX" env TOPO="$TOPO" BENCH_RUN="$run" bash "$BENCH/phase.sh" "$phase" "$N" "$DIR"; then
			VALID=0
			echo "-- phase $phase FAILED" >&2
		fi
	done
done

# ---- the report ----

# vals PHASE KEY: the figure of every run (DIR/N/PHASE.RUN.res), one a line.
vals() {
	local f
	for f in "$DIR/$N/$1".*.res; do
		[ -f "$f" ] || continue
		awk -F= -v k="$2" '$1 == k { v = substr($0, length(k) + 2) } END { if (v != "") print v }' "$f"
	done
}
# get PHASE KEY: the median over the runs (the lower middle of an even
# count), or "" when missing.
get() {
	vals "$1" "$2" | sort -g | awk '{ v[NR] = $0 } END { if (NR) printf "%s", v[int((NR + 1) / 2)] }'
}
# range PHASE KEY: "min-max" over the runs, "" for fewer than two.
range() {
	vals "$1" "$2" | sort -g | awk '{ v[NR] = $0 } END { if (NR > 1) printf "%s-%s", v[1], v[NR] }'
}
# calc EXPR with a=.. b=..: awk arithmetic, "" if an operand is missing.
calc() {
	local expr=$1 a=${2:-} b=${3:-}
	[ -n "$a" ] && [ -n "$b" ] || return 0
	awk -v a="$a" -v b="$b" "BEGIN { printf \"%s\", ($expr) }" 2>/dev/null || true
}
div() {
	if [ -n "${1:-}" ] && [ -n "${2:-}" ]; then
		awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b }'
	fi
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "") print b; else if (b == "" || a + 0 <= b + 0) print a; else print b }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "") print b; else if (b == "" || a + 0 >= b + 0) print a; else print b }'; }

row() { # LABEL PHASE STEP [GONE]
	local ms user sys rss gone mach
	ms=$(get "$2" "${3}_ms")
	mach=$(get "$2" "${3}_machine_cpu")
	user=$(get "$2" "${3}_user")
	sys=$(get "$2" "${3}_sys")
	rss=$(get "$2" "${3}_rss_kb")
	gone=""
	[ -z "${4:-}" ] || gone=$(get "$2" "${3}_gone_ms")
	local span
	span=$(range "$2" "${3}_${4:+gone_}ms")
	printf '  %-28s %11s %11s %7s %7s %9s %9s  %s\n' "$1" "${ms:--}" "${gone:--}" "${user:--}" "${sys:--}" \
		"$( [ -n "$rss" ] && awk -v r="$rss" 'BEGIN { printf "%.1f MB", r / 1024 }' || echo -)" "${mach:--}" \
		"${span:+($span)}"
}

verdicts=0 misses=0
verdict() { # LABEL VALUE-TEXT TARGET-TEXT OK(1/0/"")
	local v
	case ${4:-} in
	1) v=PASS ;;
	0) v="MISS  <--"; misses=$(( misses + 1 )) ;;
	*) v="n/a" ;;
	esac
	verdicts=$(( verdicts + 1 ))
	printf '  %-44s %12s %12s   %s\n' "$1" "${2:--}" "$3" "$v"
}

report() {
	local fb fb1 fb2 ft ftt apply diff destroy ftd ftdn ib ibt rss_max rss_apply user_apply rss_target edit more
	fb1=$(get floor build_ms)
	fb2=$(get floor-netns build_ms)
	fb=$(min "$fb1" "$fb2")
	ft=$(get floor-tight build_ms)
	ftt=$(get floor-tight teardown_gone_ms)
	apply=$(get topo apply_ms)
	diff=$(get topo diff_ms)
	destroy=$(get topo destroy_gone_ms)
	ftd=$(get floor teardown_gone_ms)
	ftdn=$(get floor-netns teardown_gone_ms)
	ib=$(get ipbatch build_ms)
	ibt=$(get ipbatch teardown_gone_ms)
	rss_apply=$(get topo apply_rss_kb)
	rss_max=$(max "$(max "$rss_apply" "$(get topo diff_rss_kb)")" "$(get topo destroy_rss_kb)")
	rss_max=$(max "$(max "$rss_max" "$(get topo edit_rss_kb)")" "$(get topo more_rss_kb)")
	user_apply=$(get topo apply_user)
	edit=$(get topo edit_ms)
	more=$(get topo more_ms)
	# Issue 16: 16 MB up to N=2048, then 8 KB a namespace (32 MB at 4096).
	rss_target=16384
	(( N <= 2048 )) || rss_target=$(( 8 * N ))

	echo "== topo benchmark, issues 7 (\"Speed at scale\") and 16 (\"Speed, round two\"): N=$N"
	echo "machine: $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
	echo "topo: $TOPO ($("$TOPO" --version 2>/dev/null || echo '?'))"
	echo "workload: $N namespaces, $nbr bridge(s) of <= $PER_BRIDGE ports, ip_forward, masquerade $([ "$GEN_NAT" = 1 ] && echo on || echo "OFF (GEN_NAT=0)")$([ -z "$GEN_ADDRGEN" ] || echo ", addr_gen_mode $GEN_ADDRGEN on every bridge and veth end (GEN_ADDRGEN)")"
	[ -z "$NAT_NOTE" ] || echo "  masquerade left out everywhere: topo cannot apply it yet: $NAT_NOTE"
	echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo
	echo "runs: $RUNS of each phase, alternating; figures are the runs' medians"
	printf '  %-28s %11s %11s %7s %7s %9s %9s  %s\n' "" "command ms" "gone ms" "user s" "sys s" "peak RSS" "machine s" \
		"$( (( RUNS > 1 )) && echo '(min-max ms)')"
	row "ip -batch build" ipbatch build
	row "ip -batch teardown" ipbatch teardown gone
	row "floor build" floor build
	row "floor teardown (per link)" floor teardown gone
	row "floor build (2nd run)" floor-netns build
	row "floor teardown (by netns)" floor-netns teardown gone
	row "tight floor build" floor-tight build
	row "tight floor teardown (netns)" floor-tight teardown gone
	row "topo apply" topo apply
	row "topo diff (no-op)" topo diff
	row "topo apply: 1 addr edited" topo edit
	row "topo apply: 10 more netns" topo more
	row "topo destroy" topo destroy gone
	echo "  gone ms: from the command's start until ip -br link is back to its count and /run/netns is empty"
	echo "  user s, sys s, peak RSS: the command's own (with its children), from /usr/bin/time -v"
	echo "  machine s: CPU seconds the whole machine was busy meanwhile (kernel workers included, and"
	echo "    anything else running on it: well above user+sys means the figure is disturbed)"
	echo
	for p in floor floor-netns floor-tight; do
		if [ -f "$DIR/$N/$p-build.log" ]; then
			echo "  $p build:    $(sed -n 's/^floor: \(.*[a-z]\) *\([0-9.]* ms\)$/\1 \2;/p' "$DIR/$N/$p-build.log" | grep -v 'of [0-9]' | tr '\n' ' ' | tr -s ' ')"
		fi
		if [ -f "$DIR/$N/$p-teardown.log" ]; then
			echo "  $p teardown: $(sed -n 's/^floor: \(.*[a-z]\) *\([0-9.]* ms\)$/\1 \2;/p' "$DIR/$N/$p-teardown.log" | grep -v 'of [0-9]' | tr '\n' ' ' | tr -s ' ')"
		fi
	done
	[ ! -f "$DIR/$N/topo-apply.log" ] || echo "  topo apply says: $(tail -n1 "$DIR/$N/topo-apply.log")"
	[ ! -f "$DIR/$N/topo-destroy.log" ] || echo "  topo destroy says: $(tail -n1 "$DIR/$N/topo-destroy.log")"
	echo "  floor build used for the ratios: the faster of the two runs ($fb ms); tight floor: ${ft:-?} ms"
	local p pings
	for p in ipbatch floor floor-netns floor-tight topo; do
		[ -f "$DIR/$N/$p.1.res" ] || continue
		pings=$(sed -n 's/^ping_\([^_]*\)_\([^=]*\)_ms=\(.*\)/\1->\2 \3 ms,/p' "$DIR/$N/$p.1.res" | tr '\n' ' ')
		[ -z "$pings" ] || echo "  $p: first answer after the build: ${pings%, }"
		if grep -q '^idle_warning' "$DIR/$N/$p".*.res; then
			echo "  $p: WARNING: the machine was not idle before some steps: $(grep -h '^idle_warning' "$DIR/$N/$p".*.res | tr '\n' ' ')"
		fi
	done
	echo
	printf '  %-44s %12s %12s   %s\n' "ratio" "value" "target" "verdict"
	local r
	r=$(div "$apply" "$ft")
	verdict "topo apply / tight floor build" "${r:+${r}x}" "<= 1.15x" "$(calc 'a <= 1.15' "$r" 1)"
	r=$(div "$apply" "$fb")
	verdict "topo apply / floor build" "${r:+${r}x}" "<= 1.5x" "$(calc 'a <= 1.5' "$r" 1)"
	r=$(div "$ib" "$apply")
	verdict "ip -batch build / topo apply" "${r:+${r}x}" ">= 10x" "$(calc 'a >= 10' "$r" 1)"
	r=$(div "$diff" "$apply")
	verdict "topo diff / topo apply" "$(calc 'sprintf("%.1f%%", a * 100)' "$r" 1)" "<= 5%" "$(calc 'a <= 0.05' "$r" 1)"
	r=$(div "$edit" "$diff")
	verdict "apply of 1 edited address / no-op diff" "${r:+${r}x}" "<= 2x" "$(calc 'a <= 2' "$r" 1)"
	r=$(div "$more" "$diff")
	verdict "apply of 10 more netns / no-op diff" "${r:+${r}x}" "<= 2x" "$(calc 'a <= 2' "$r" 1)"
	r=$(div "$destroy" "$ftt")
	verdict "topo destroy / tight floor teardown (netns)" "${r:+${r}x}" "<= 1.1x" "$(calc 'a <= 1.1' "$r" 1)"
	r=$(div "$destroy" "$ftd")
	verdict "topo destroy / floor teardown (per link)" "${r:+${r}x}" "<= 1.5x" "$(calc 'a <= 1.5' "$r" 1)"
	r=$(calc 'sprintf("%.1f", a / 1024)' "$rss_max" 1)
	verdict "topo peak RSS (apply, diff, destroy)" "${r:+$r MB}" "<= $(( rss_target / 1024 )) MB" \
		"$(calc 'a <= b' "$rss_max" "$rss_target")"
	r=$(calc 'a / (b / 1000)' "$user_apply" "$apply")
	verdict "topo apply user CPU / wall" "$(calc 'sprintf("%.1f%%", a * 100)' "$r" 1)" "<= 25%" \
		"$(calc 'a <= 0.25' "$r" 1)"
	echo "  for information:"
	r=$(div "$destroy" "$ftdn")
	printf '  %-44s %12s\n' "topo destroy / floor teardown (by netns)" "${r:+${r}x}"
	r=$(div "$fb" "$ft")
	printf '  %-44s %12s\n' "floor build / tight floor build" "${r:+${r}x}"
	r=$(div "$ibt" "$destroy")
	printf '  %-44s %12s\n' "ip -batch teardown / topo destroy" "${r:+${r}x}"
	r=$(div "$ib" "$fb")
	printf '  %-44s %12s\n' "ip -batch build / floor build" "${r:+${r}x}"
	printf '  %-44s %12s\n' "topo apply peak RSS" "$(calc 'sprintf("%.1f MB", a / 1024)' "$rss_apply" 1)"
	printf '  %-44s %12s\n' "topo apply sys CPU / wall" \
		"$(calc 'sprintf("%.1f%%", a / (b / 1000) * 100)' "$(get topo apply_sys)" "$apply")"
	echo
	if [ "$VALID" = 1 ]; then
		echo "RESULT: valid (every build pinged, every teardown left nothing); $misses of $verdicts targets missed"
	else
		echo "RESULT: INVALID: a phase failed:"
		grep -h '^fail=' "$DIR/$N"/*.res 2>/dev/null | sed 's/^fail=/  /' || true
	fi
}

echo
report | tee "$RESULT"
echo "(written to $RESULT; logs and /usr/bin/time files in $DIR/$N/)"
[ "$VALID" = 1 ]
