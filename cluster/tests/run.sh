#!/usr/bin/env bash
# Runs every cluster test (make cluster-test), timing each. Needs root.
# Tests the real binary: $OVERSWEEP, else the repository's debug build
# (make cluster-test builds it first; CLUSTER_BIN=… picks another). SPEC
# names the sweep (default tests/sweep.yaml, 60 small trials).
# CLUSTER_FAKE=1 tests the launchers' plumbing against tests/fake-oversweep
# instead (fast; no ZeroMQ, no training) — never the default.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [[ -n ${CLUSTER_FAKE:-} ]]; then
    unset OVERSWEEP SPEC
    echo "cluster-test: CLUSTER_FAKE set: testing the launchers against tests/fake-oversweep, not oversweep"
else
    export OVERSWEEP=${OVERSWEEP:-${CLUSTER_BIN:-$repo/.build/debug/oversweep}}
    [[ -x $OVERSWEEP ]] || { echo "cluster-test: '$OVERSWEEP' is not an executable (swift build first, or set OVERSWEEP=…)" >&2; exit 2; }
    export SPEC=${SPEC:-$here/sweep.yaml}
    [[ -r $SPEC ]] || { echo "cluster-test: cannot read spec '$SPEC'" >&2; exit 2; }
    echo "cluster-test: $OVERSWEEP ($("$OVERSWEEP" --version 2>/dev/null || echo "version unknown")), spec $SPEC"
fi
read -r -a tests <<<"${CLUSTER_TESTS:-ssh-test.sh slurm-test.sh systemd-test.sh netns-test.sh}"
failed=()
total_start=$SECONDS
for t in "${tests[@]}"; do
    echo "=== $t (${OVERSWEEP:-fake oversweep})"
    start=$SECONDS
    if "$here/$t"; then echo "=== $t passed in $((SECONDS - start)) s"
    else echo "=== $t FAILED after $((SECONDS - start)) s"; failed+=("$t"); fi
done
echo "cluster-test: ${#tests[@]} scripts in $((SECONDS - total_start)) s, ${#failed[@]} failed ${failed[*]:-}"
[[ ${#failed[@]} == 0 ]]
