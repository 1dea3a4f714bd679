# Link shaping: rate: through topo's tbf root qdisc (handle 9500:), checked
# with tc -j; a 1mbit link measurably slow (a lower bound on a transfer's
# time); drift (rate changed, qdisc deleted) repaired; a foreign root qdisc
# is a conflict and stays; rate: leaving the file gives the kernel's default
# back; netem: says the kernel lacks sch_netem where it does (detected, not
# assumed); rollback at every step and destroy leave qdiscs as they were.
. "$(dirname "$0")/lib.sh"
F=$WORK/slow.yaml
cat >"$F" <<'YAML'
topology: slow
namespaces:
  a:
    interfaces:
      eth0: {addresses: [10.1.0.1/24], rate: 1mbit}
  b:
    interfaces:
      eth0: {addresses: [10.1.0.2/24], rate: 10mbit, burst: 32kb, latency: 20ms}
links:
  - [a:eth0, b:eth0]
YAML
# Snapshots with every namespace's qdiscs too.
qsnap() {
	local out=$1 ns
	snapshot "$out"
	for ns in host $(ip netns list | awk '{print $1}' | sort); do
		echo "== $ns qdisc"
		nsx "$ns" tc -j qdisc show | jq -S 'map(del(.refcnt)) | sort_by(.dev, .handle)'
	done >>"$out"
}
qsettled_like() {
	local ref=$1 out=$2
	for _ in $(seq 15); do
		qsnap "$out"
		cmp -s "$ref" "$out" && return 0
		sleep 0.2
	done
}
root() { nsx "$1" tc -j qdisc show dev "$2" | jq -c '.[] | select(.root) | [.kind, .handle, .options.rate, .options.burst]'; }
# A foreign veth in host with a root qdisc of someone's: never touched.
ip link add fv0 type veth peer fv1
ip link set fv0 up
ip link set fv1 up
tc qdisc add dev fv0 root handle 1: tbf rate 5mbit burst 5000 latency 10ms
qsnap "$WORK/pristine"

ok "apply" "$TOPO" apply "$F"
rc 0 "converged" "$TOPO" diff "$F"
eq "a: tbf 1mbit" "$(root a eth0)" '["tbf","9500:",125000,1600]'
eq "b: tbf 10mbit, 32kb" "$(root b eth0)" '["tbf","9500:",1250000,32766]'
eq "foreign root qdisc untouched" "$(root host fv0)" '["tbf","1:",625000,5000]'
ok "show" "$TOPO" show "$F"
contains "show prints the qdisc" "$WORK/out" "qdisc tbf rate 1mbit burst 1600b"

# Measurably slower: 256 KiB from a to b through 1mbit takes ~2 s (a bound
# below; a loaded machine only makes it slower).
nsx b bash -c 'exec nc -l -n 5000 >/dev/null' &
for _ in $(seq 50); do nsx b ss -Hltn 'sport = :5000' | grep -q . && break; sleep 0.05; done
t0=$EPOCHREALTIME
head -c 262144 /dev/zero | nsx a nc -N -n 10.1.0.2 5000 || fail "transfer through the shaped link failed"
t=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}')
echo "256 KiB through 1mbit: ${t}s"
n_checks=$((n_checks + 1)); awk -v t="$t" 'BEGIN{exit !(t >= 1.5)}' || fail "256 KiB crossed 1mbit in ${t}s (< 1.5s): not shaped"
wait

# Drift by hand: the rate changed, then the qdisc deleted.
nsx a tc qdisc replace dev eth0 root handle 9500: tbf rate 2mbit burst 1600 latency 50ms
rc 2 "diff sees the rate" "$TOPO" diff "$F"
contains "replace named" "$WORK/out" "~ link set eth0 qdisc tbf rate 1mbit burst 1600b limit 7850b (was tbf rate 2mbit"
ok "apply repairs" "$TOPO" apply "$F"
eq "rate back" "$(root a eth0)" '["tbf","9500:",125000,1600]'
nsx a tc qdisc del dev eth0 root
rc 2 "diff sees it gone" "$TOPO" diff "$F"
contains "set named" "$WORK/out" "~ link set eth0 qdisc tbf rate 1mbit burst 1600b limit 7850b (was none) netns a"
ok "apply repairs" "$TOPO" apply "$F"
eq "qdisc back" "$(root a eth0)" '["tbf","9500:",125000,1600]'
rc 0 "converged" "$TOPO" diff "$F"

# Someone's root qdisc on a declared link: a conflict, nothing changes.
nsx b tc qdisc replace dev eth0 root handle 7: pfifo
qsnap "$WORK/before-conflict"
rc 1 "a foreign root qdisc" "$TOPO" apply "$F"
contains "conflict named" "$WORK/out" "interface eth0 in namespace b has a root qdisc topo did not make (pfifo, handle 7:)"
qsettled_like "$WORK/before-conflict" "$WORK/after"
same_snapshot "nothing changed" "$WORK/before-conflict" "$WORK/after"
nsx b tc qdisc del dev eth0 root
ok "apply" "$TOPO" apply "$F"

n_checks=$((n_checks + 1))
"$TOPO" export "$F" >"$WORK/export.yaml" 2>"$WORK/export.err" || fail "export: $(cat "$WORK/export.err")"
contains "export writes the rate" "$WORK/export.yaml" "rate: 1mbit, burst: 1600, latency:"
rc 0 "the export is converged" "$TOPO" diff "$WORK/export.yaml"

# rate: leaves the file: the kernel's default root comes back.
sed -e 's/, rate: 1mbit//' "$F" >"$WORK/v2.yaml"
rc 2 "v2" "$TOPO" diff "$WORK/v2.yaml"
contains "delete named" "$WORK/out" "~ link set eth0 qdisc none (was tbf rate 1mbit"
ok "apply v2" "$TOPO" apply "$WORK/v2.yaml"
eq "a: the kernel's default" "$(nsx a tc -j qdisc show dev eth0 | jq -r '.[0].handle')" "0:"
rc 0 "v2 converged" "$TOPO" diff "$WORK/v2.yaml"
ok "destroy" "$TOPO" destroy "$F"
qsettled_like "$WORK/pristine" "$WORK/after"
same_snapshot "destroy leaves what it found" "$WORK/pristine" "$WORK/after"

# netem: does this kernel have it? Asked of the kernel in a scratch link.
ip link add nt0 type veth peer nt1
if tc qdisc add dev nt0 root netem delay 1ms 2>/dev/null; then have_netem=1; else have_netem=0; fi
ip link del nt0
sed -e 's/rate: 1mbit/netem: {delay: 20ms, loss: 0.5%}/' "$F" >"$WORK/netem.yaml"
if [ $have_netem = 0 ]; then
	rc 1 "netem refused" "$TOPO" apply "$WORK/netem.yaml"
	contains "names the module" "$WORK/out" "this kernel has no netem qdisc: the sch_netem module is missing"
	contains "rolled back" "$WORK/out" "rolled back"
	qsettled_like "$WORK/pristine" "$WORK/after"
	same_snapshot "netem refused: nothing left" "$WORK/pristine" "$WORK/after"
else
	ok "netem applied" "$TOPO" apply "$WORK/netem.yaml"
	eq "netem root" "$(nsx a tc -j qdisc show dev eth0 | jq -r '.[0].kind')" netem
	rc 0 "netem converged" "$TOPO" diff "$WORK/netem.yaml"
	ok "destroy" "$TOPO" destroy "$WORK/netem.yaml"
fi

# Rollback at every step, fresh and as an update of the rates.
"$TOPO" diff --json "$F" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
for k in $(seq 1 "$n"); do
	rc 1 "fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$F"
	qsettled_like "$WORK/pristine" "$WORK/after"
	same_snapshot "rollback after step $k of $n" "$WORK/pristine" "$WORK/after"
done
ok "apply" "$TOPO" apply "$F"
sed -e 's/rate: 1mbit/rate: 3mbit/' -e 's/, burst: 32kb, latency: 20ms//' "$F" >"$WORK/v3.yaml"
qsnap "$WORK/v1"
"$TOPO" diff --json "$WORK/v3.yaml" >"$WORK/plan.json" || true
n=$(jq '.steps | length' "$WORK/plan.json")
eq "v3: two changes" "$n" 2
for k in $(seq 1 "$n"); do
	rc 1 "v3: fail at step $k" env TOPO_FAIL_AT_STEP=$k "$TOPO" apply "$WORK/v3.yaml"
	qsettled_like "$WORK/v1" "$WORK/after"
	same_snapshot "v3: rollback after step $k of $n" "$WORK/v1" "$WORK/after"
done
ok "apply v3" "$TOPO" apply "$WORK/v3.yaml"
eq "v3 a" "$(root a eth0)" '["tbf","9500:",375000,3750]'
ok "destroy" "$TOPO" destroy "$WORK/v3.yaml"
qsettled_like "$WORK/pristine" "$WORK/after"
same_snapshot "destroy after v3" "$WORK/pristine" "$WORK/after"
done_ok
