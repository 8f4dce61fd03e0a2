#!/usr/bin/env bash
# Runs every cluster test (make cluster-test), timing each. Needs root.
# OVERSWEEP=/path/to/oversweep tests the real binary (SPEC names a small sweep);
# without it the launchers are tested against cluster/tests/fake-oversweep.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The real binary once its coordinator/worker/status/plan/keygen are built
# (their --help shows the agreed flags); the fake otherwise, said loudly.
repo=$(cd "$here/../.." && pwd)
real_cli() {
    local b=$1
    [[ -x $b ]] || return 1
    "$b" coordinator --help 2>&1 | grep -q -- --bind && "$b" worker --help 2>&1 | grep -q -- --connect \
        && "$b" status --help 2>&1 | grep -q -- --spec && "$b" keygen --help 2>&1 | grep -q -- --out \
        && "$b" plan --help >/dev/null 2>&1
}
if [[ -z ${OVERSWEEP:-} && -z ${CLUSTER_FAKE:-} ]] && real_cli "$repo/.build/debug/oversweep"; then
    export OVERSWEEP=$repo/.build/debug/oversweep
fi
if [[ -n ${OVERSWEEP:-} ]]; then
    # Until the coordinator expands YAML specs it takes a trial list.
    probe=$("$OVERSWEEP" coordinator "$here/sweep.yaml" --bind tcp://127.0.0.1:1 --out /nonexistent/x 2>&1 || true)
    if [[ -z ${SPEC:-} && $probe == *"pass a .jsonl trial list"* ]]; then SPEC=$here/trials.jsonl; fi
    export SPEC=${SPEC:-$here/sweep.yaml}
    echo "cluster-test: real binary $OVERSWEEP, spec $SPEC"
else
    echo "cluster-test: NOTE: oversweep's coordinator/worker are not built yet: testing the launchers against tests/fake-oversweep"
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
