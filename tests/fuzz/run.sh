#!/bin/bash
# Runs a libFuzzer binary for a while and says what it found.
#
#   tests/fuzz/run.sh BINARY SECONDS [SEEDS-DIR DICT]
#
# The corpus starts fresh each run (beside BINARY: NAME-corpus), seeded from
# SEEDS-DIR (default: topologies/*.yaml and tests/fuzz/seeds/*, for the
# loader); crashes, leaks and timeouts land in NAME-artifacts/. Prints the exec count and the
# coverage from libFuzzer's final stats; exits non-zero on any finding.
set -u

if [ $# -lt 1 ] || [ $# -gt 4 ]; then
	echo "usage: $0 BINARY [SECONDS [SEEDS-DIR DICT]]" >&2
	exit 2
fi
bin=$1
secs=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(cd "$(dirname "$bin")" && pwd)
name=$(basename "$bin")
corpus=$out/$name-corpus
artifacts=$out/$name-artifacts
log=$out/$name.log
seed_dir=${3:-}
dict=${4:-$here/loader.dict}

if [ ! -x "$bin" ]; then
	echo "fuzz: $bin is not built (make fuzz builds it)" >&2
	exit 2
fi

rm -rf "$corpus" "$artifacts"
mkdir -p "$corpus" "$artifacts"
shopt -s nullglob
if [ -n "$seed_dir" ]; then
	seeds=("$seed_dir"/*)
else
	seeds=("$root"/topologies/*.yaml "$here"/seeds/*)
fi
shopt -u nullglob
[ ${#seeds[@]} -gt 0 ] && cp -- "${seeds[@]}" "$corpus"/

echo "fuzz: $(basename "$bin") for ${secs}s, ${#seeds[@]} seeds (log: $log)"
"$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
	-dict="$dict" -artifact_prefix="$artifacts/" -print_final_stats=1 \
	"$corpus" >"$log" 2>&1
rc=$?

# libFuzzer's closing lines: "stat::number_of_executed_units: N" and the
# last status line "#N DONE cov: C ft: F corp: ...".
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
status=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n1)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$status")
echo "fuzz: ${execs:-?} execs, coverage ${cov:-?} edges (${ft:-?} features), corpus ${corp:-?}"

shopt -s nullglob
found=("$artifacts"/*)
shopt -u nullglob
if [ "$rc" -ne 0 ] || [ ${#found[@]} -gt 0 ]; then
	echo "fuzz: FAILED (exit $rc); the fuzzer's report:" >&2
	grep -E -A30 '^==[0-9]+==ERROR|^SUMMARY|deadly signal|Test unit written' "$log" | head -n 80 >&2
	for f in "${found[@]}"; do
		echo "fuzz: reproduce with: $bin $f" >&2
	done
	exit 1
fi
echo "fuzz: no crash, leak or timeout found"
