#!/bin/bash
# Runs cmocka test binaries; with VALGRIND=1 each under valgrind.
# Prints each binary's cmocka summary and a closing "N passed, N failed" line.
set -u
pass=0 fail=0
for t in "$@"; do
	if [ "${VALGRIND:-0}" = 1 ]; then
		run=(valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect
		     --errors-for-leak-kinds=definite,indirect "$t")
	else
		run=("$t")
	fi
	if "${run[@]}"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t" >&2; fi
done
label=unit; [ "${VALGRIND:-0}" = 1 ] && label=unit-valgrind
echo "$label: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
