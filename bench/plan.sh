#!/usr/bin/env bash
# Times `oversweep plan` on a 1,000,000-trial spec (release build): wall
# time, CPU time and peak resident memory, median of 3 runs (by wall time).
# The machine is shared: compare CPU time when it is busy (see uptime). Also times listing the
# first 100,000 trials with ids, to show the per-trial cost of ids.
set -euo pipefail
uptime
cd "$(dirname "$0")/.."
BIN=.build/release/oversweep
SPEC=bench/plan-1m.yaml
runs=()
for i in 1 2 3; do
  /usr/bin/time -f "%e %M %U %S" -o /tmp/oversweep-bench-plan.$$ "$BIN" plan "$SPEC" > /tmp/oversweep-bench-plan-out.$$
  runs+=("$(cat /tmp/oversweep-bench-plan.$$)")
done
head -4 /tmp/oversweep-bench-plan-out.$$
printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p | awk '{printf "plan %s: median of 3: %.2f s wall (%.2f s CPU), %.0f MiB peak RSS\n", "'"$SPEC"'", $1, $3+$4, $2/1024}'
/usr/bin/time -f "%e %M %U %S" -o /tmp/oversweep-bench-plan.$$ bash -c "$BIN plan $SPEC --list | head -n 100010 > /dev/null"
awk '{printf "plan --list, first 100000 trials (ids included): %.2f s wall (%.2f s CPU), %.0f MiB peak RSS\n", $1, $3+$4, $2/1024}' /tmp/oversweep-bench-plan.$$
rm -f /tmp/oversweep-bench-plan.$$ /tmp/oversweep-bench-plan-out.$$
