# Shared helpers for the cluster tests (sourced, not run).
# shellcheck shell=bash

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fails=0

pass() { echo "  ok   $*"; }
fail() { echo "  FAIL $*" >&2; fails=$((fails + 1)); }

# expect_refusal NAME PATTERN CMD...: CMD must exit non-zero and print PATTERN on stderr.
expect_refusal() {
    local name=$1 pattern=$2; shift 2
    local err rc=0
    err=$("$@" 2>&1 >/dev/null) || rc=$?
    if [[ $rc != 0 && $err == *"$pattern"* ]]; then pass "$name → \"${err%%$'\n'*}\""
    else fail "$name: exit $rc, stderr '$err' (wanted non-zero and '$pattern')"; fi
}

# wait_for SECONDS CMD...: poll CMD every 0.5 s until it succeeds; false on timeout.
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        [[ $SECONDS -lt $deadline ]] || return 1
        sleep 0.5
    done
}

# The binary under test: $OVERSWEEP, else the fake (FAKE=1 in the environment).
# With the fake, the sweep's state directory is $1/fake.
select_oversweep() {
    if [[ -n ${OVERSWEEP:-} ]]; then
        [[ -x $OVERSWEEP ]] || { echo "OVERSWEEP=$OVERSWEEP is not executable" >&2; exit 2; }
        export FAKE=0
    else
        export OVERSWEEP=$repo/cluster/tests/fake-oversweep FAKE=1
        export FAKE_OVERSWEEP_STATE=$1/fake FAKE_TRIALS=${FAKE_TRIALS:-40} FAKE_TRIAL_SECONDS=${FAKE_TRIAL_SECONDS:-0.4}
        mkdir -p "$FAKE_OVERSWEEP_STATE"
    fi
}

# Ids of the trial lines of a results file, one per line (header lines have none).
result_ids() { { grep -o '"id" *: *"[^"]*"' "$1" || true; } | sed 's/.*"\([^"]*\)"$/\1/'; }

# check_results FILE SPEC: every trial once (oversweep status) and no id twice.
check_results() {
    local file=$1 spec=$2 out rc=0 dups
    out=$("$OVERSWEEP" status "$file" --spec "$spec" 2>&1) || rc=$?
    dups=$(result_ids "$file" | sort | uniq -d | wc -l)
    if [[ $rc == 0 && $dups == 0 ]] && ! grep -Eq 'remaining[": ]+[1-9]' <<<"$out"; then
        pass "status: $(tr '\n' ' ' <<<"$out")"
    else
        fail "status exit $rc, $dups duplicate ids: $out"
    fi
}

# plan_trials SPEC: the trial count `oversweep plan` reports ("trials  N").
plan_trials() { "$OVERSWEEP" plan "$1" | awk '$1 == "trials" { print $2; exit }'; }

# no_leftovers WHAT PATTERN: no process's command line contains PATTERN.
no_leftovers() {
    local left
    left=$(pgrep -af -- "$2" || true)
    [[ -z $left ]] && pass "no $1 left running" || fail "$1 left running: $left"
}
