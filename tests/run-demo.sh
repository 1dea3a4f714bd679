#!/bin/bash
# `make run`: bring up the default topology (seed 001's lab) in a sandbox and
# show it working: the plan, the apply, the live state, real pings, the
# converged diff, and the teardown. Nothing touches this machine's network.
set -euo pipefail
TOPO=${1:?usage: run-demo.sh TOPO_BINARY}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FILE=${TOPO_DEMO_FILE:-$ROOT/topologies/seed001-bridge.yaml}

echo "== topo validate: every file in topologies/"
for f in "$ROOT"/topologies/*.yaml; do "$TOPO" validate "$f"; done
echo
exec "$ROOT/tests/sandbox" bash -c '
set -euo pipefail
TOPO=$1 FILE=$2
step() { printf "\n\033[1m== %s\033[0m\n" "$*"; }
step "topo diff $FILE   (what apply would do; exit 2 = changes pending)"
"$TOPO" diff "$FILE" || [ $? -eq 2 ]
step "topo apply $FILE"
"$TOPO" apply "$FILE"
if "$TOPO" help | grep -q "^  show"; then
	step "topo show $FILE"
	"$TOPO" show "$FILE"
fi
step "topo check $FILE   (the file'"'"'s checks, from inside the namespaces; topo serves its own listeners)"
"$TOPO" check "$FILE"
step "ip netns exec netns_A ping -c 2 172.18.0.3   (an independent look)"
ip netns exec netns_A ping -c 2 172.18.0.3
step "topo diff $FILE   (converged: exit 0)"
"$TOPO" diff "$FILE"
step "topo destroy $FILE"
"$TOPO" destroy "$FILE"
step "ip netns list; ip -br link   (nothing left)"
ip netns list
ip -br link
' demo "$TOPO" "$FILE"
