#!/usr/bin/env bash
# Runs every cluster test (make cluster-test), timing each. Needs root.
# OVERSWEEP=/path/to/oversweep tests the real binary (SPEC names a small sweep);
# without it the launchers are tested against cluster/tests/fake-oversweep.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
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
