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

# check_results FILE SPEC: every planned trial recorded exactly once — by
# `oversweep status` (with --spec where the build supports it) and by counting
# the ids in the file ourselves.
check_results() {
    local file=$1 spec=$2 out rc=0 total lines uniq recorded
    out=$("$OVERSWEEP" status "$file" --spec "$spec" 2>&1) || { rc=$?; out=$("$OVERSWEEP" status "$file" 2>&1) && rc=0 || rc=$?; }
    total=$(plan_trials "$spec")
    lines=$(result_ids "$file" | wc -l)
    uniq=$(result_ids "$file" | sort -u | wc -l)
    recorded=$(grep -Eo 'trials recorded: [0-9]+' <<<"$out" | grep -Eo '[0-9]+$' || echo "?")
    if [[ $rc == 0 && $recorded == "$total" && $uniq == "$total" && $lines == "$total" ]] \
        && ! grep -q 'duplicate lines' <<<"$out" && ! grep -Eq '[1-9][0-9]* remaining' <<<"$out"; then
        pass "every trial once: $total planned, $uniq recorded, $lines lines; status: $(grep -E 'recorded|remaining' <<<"$out" | tr '\n' ' ')"
    else
        fail "status exit $rc, $total planned, $uniq distinct ids in $lines trial lines: $out"
    fi
}

# plan_trials SPEC: the trial count `oversweep plan` reports ("trials  N").
# A trial list (.jsonl) counts its lines.
plan_trials() {
    case "$1" in
        *.jsonl) grep -c . "$1" ;;
        *) "$OVERSWEEP" plan "$1" | awk '$1 == "trials" { print $2; exit }' ;;
    esac
}

# no_leftovers WHAT PATTERN: no process's command line contains PATTERN.
no_leftovers() {
    local left
    left=$(pgrep -af -- "$2" || true)
    [[ -z $left ]] && pass "no $1 left running" || fail "$1 left running: $left"
}
