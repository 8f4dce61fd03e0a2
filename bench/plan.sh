#!/usr/bin/env bash
# Times `oversweep plan` on a 1,000,000-trial spec (release build): wall
# time and peak resident memory, median of 3 runs. Also times listing the
# first 100,000 trials with ids, to show the per-trial cost of ids.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/oversweep
SPEC=bench/plan-1m.yaml
runs=()
for i in 1 2 3; do
  /usr/bin/time -f "%e %M" -o /tmp/oversweep-bench-plan.$$ "$BIN" plan "$SPEC" > /tmp/oversweep-bench-plan-out.$$
  runs+=("$(cat /tmp/oversweep-bench-plan.$$)")
done
head -4 /tmp/oversweep-bench-plan-out.$$
printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p | awk '{printf "plan %s: median of 3: %.2f s wall, %.0f MiB peak RSS\n", "'"$SPEC"'", $1, $2/1024}'
/usr/bin/time -f "%e %M" -o /tmp/oversweep-bench-plan.$$ bash -c "$BIN plan $SPEC --list | head -n 100010 > /dev/null"
awk '{printf "plan --list, first 100000 trials (ids included): %.2f s wall, %.0f MiB peak RSS\n", $1, $2/1024}' /tmp/oversweep-bench-plan.$$
rm -f /tmp/oversweep-bench-plan.$$ /tmp/oversweep-bench-plan-out.$$
