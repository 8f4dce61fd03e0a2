#!/usr/bin/env bash
# End-to-end test of cluster/slurm/ against a real single-node SLURM
# (slurm-local.sh): submit a sweep, scancel one worker array task mid-sweep,
# requeue the coordinator mid-sweep, and check every trial is recorded once.
# Also the refusals of submit.sh. Needs root, slurm-wlm and munge.
#   OVERSWEEP=/path/to/oversweep SPEC=examples/x.yaml slurm-test.sh   (real binary)
#   slurm-test.sh                                                     (fake binary)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $(id -u) == 0 ]] || { echo "slurm-test.sh: needs root (starts munged/slurmctld/slurmd)" >&2; exit 2; }
work=$(mktemp -d /tmp/oversweep-slurm-test.XXXXXX)
cleanup() {
    "$repo/cluster/tests/slurm-local.sh" down "$work/slurm" || true
    if [[ $fails != 0 || -n ${KEEP:-} ]]; then echo "kept $work for inspection"; else rm -rf "$work"; fi
}
trap cleanup EXIT
start=$SECONDS
select_oversweep "$work"
spec=${SPEC:-$work/spec.yaml}
[[ -n ${SPEC:-} ]] || echo "# fake sweep" >"$spec"
submit=$repo/cluster/slurm/submit.sh

echo "submit.sh refuses bad input"
expect_refusal "no spec" "missing SPEC" "$submit" --dir "$work/x"
expect_refusal "missing spec" "cannot read spec" "$submit" "$work/nope.yaml" --dir "$work/x" --oversweep "$OVERSWEEP"
expect_refusal "no dir" "missing --dir" "$submit" "$spec" --oversweep "$OVERSWEEP"
expect_refusal "bad workers" "--workers must be" "$submit" "$spec" --dir "$work/x" --workers 0 --oversweep "$OVERSWEEP"
expect_refusal "bad time" "is not a SLURM time" "$submit" "$spec" --dir "$work/x" --time 1h --oversweep "$OVERSWEEP"
expect_refusal "missing binary" "is not an executable" "$submit" "$spec" --dir "$work/x" --oversweep "$work/no-such-oversweep"
expect_refusal "bad advertise" "is not a host" "$submit" "$spec" --dir "$work/x" --advertise-host 'a b' --oversweep "$OVERSWEEP"
help=$("$submit" --help) && [[ $help == *"--workers N"* ]] && pass "--help" || fail "--help"
out=$("$submit" "$spec" --dir "$work/dry" --workers 3 --time 10 --grace 30 --oversweep "$OVERSWEEP" --dry-run)
if [[ $out == *"--array=1-3"* && $out == *"B:TERM@30"* && $out == *"--requeue"* ]]; then pass "--dry-run shows array, signal, requeue"; else fail "--dry-run: $out"; fi

echo "single-node SLURM: bring-up"
t0=$SECONDS
eval "$("$repo/cluster/tests/slurm-local.sh" up "$work/slurm" --cpus 4)"
export SLURM_CONF
pass "slurmctld + slurmd up in $((SECONDS - t0)) s"

# results_count FILE: trial lines recorded so far.
results_count() { if [[ -f $1 ]]; then result_ids "$1" | wc -l; else echo 0; fi; }
job_state() { squeue -h -j "$1" -o %T 2>/dev/null | head -1; }
job_gone() { [[ -z $(squeue -h -j "$1" -o %A 2>/dev/null) ]]; }
total=$(plan_trials "$spec")
at_least() { [[ $(results_count "$1") -ge $2 ]]; }

echo "sweep 1: 3 workers, scancel one array task (SIGTERM) and SIGKILL another mid-sweep"
sweep=$work/sweep1
"$submit" "$spec" --dir "$sweep" --workers 3 --time 10 --grace 20 --poll 2 \
    --bind-host 127.0.0.1 --advertise-host 127.0.0.1 --port 23571 --oversweep "$OVERSWEEP"
coord=$(sed -n 1p "$sweep/jobs"); workers=$(sed -n 2p "$sweep/jobs")
wait_for 120 at_least "$sweep/results.jsonl" $((total / 4)) || fail "no progress within 120 s"
scancel "${workers}_1"
pass "scancel ${workers}_1 after $(results_count "$sweep/results.jsonl")/$total trials"
# A hard kill (node lost): SIGKILL the worker process of task 3, by its pid
# (scancel --signal=KILL becomes a cancel with SIGTERM first). No hand-back:
# the coordinator must re-lease its trials after missed heartbeats.
victim=$(pgrep -f -- "--name slurm-${workers}_3\\." | head -1 || true)
if [[ -n $victim ]]; then
    kill -KILL "$victim"
    pass "SIGKILL worker of ${workers}_3 (pid $victim) after $(results_count "$sweep/results.jsonl")/$total trials"
else fail "no worker process for ${workers}_3"; fi
if wait_for 300 job_gone "$coord"; then pass "coordinator job $coord finished"; else fail "coordinator job $coord still $(job_state "$coord") after 300 s"; fi
wait_for 60 job_gone "$workers" || fail "worker array $workers still queued/running after the sweep"
[[ -e $sweep/coordinator.done ]] && pass "coordinator.done marked" || fail "no coordinator.done"
check_results "$sweep/results.jsonl" "$spec"
grep -q SIGTERM "$sweep/logs/worker-${workers}_1.out" && pass "cancelled worker got SIGTERM" \
    || fail "cancelled worker's log shows no SIGTERM: $(cat "$sweep/logs/worker-${workers}_1.out")"
grep -q "exited with status 0" "$sweep/logs/worker-${workers}_2.out" && pass "the surviving worker exited 0 at the end" \
    || fail "worker 2 log: $(cat "$sweep/logs/worker-${workers}_2.out")"

echo "sweep 2: requeue the coordinator mid-sweep (preemption) — resumes, no duplicates"
[[ $FAKE == 1 ]] && rm -rf "$FAKE_OVERSWEEP_STATE" && mkdir -p "$FAKE_OVERSWEEP_STATE"
sweep=$work/sweep2
"$submit" "$spec" --dir "$sweep" --workers 2 --time 10 --grace 20 --poll 2 \
    --bind-host 127.0.0.1 --advertise-host 127.0.0.1 --port 23572 --oversweep "$OVERSWEEP"
coord=$(sed -n 1p "$sweep/jobs"); workers=$(sed -n 2p "$sweep/jobs")
wait_for 120 at_least "$sweep/results.jsonl" $((total / 3)) || fail "no progress within 120 s"
before=$(results_count "$sweep/results.jsonl")
scontrol requeue "$coord"
pass "scontrol requeue $coord after $before/$total trials"
# SLURM holds a requeued job back until its old credential expires
# (cred_expire, 10 s in slurm-local.sh); StartTime=now would make it fail
# with "Job credential revoked".
if wait_for 300 job_gone "$coord"; then pass "coordinator job $coord finished after requeue"; else fail "coordinator $coord still $(job_state "$coord") after 300 s"; fi
wait_for 60 job_gone "$workers" || fail "worker array $workers still queued/running after the sweep"
grep -q -- "--resume" "$sweep"/logs/coordinator-"$coord".out && pass "restarted coordinator ran with --resume" \
    || fail "no --resume in $(cat "$sweep"/logs/coordinator-"$coord".out)"
check_results "$sweep/results.jsonl" "$spec"

echo "sweep 3: resubmitting a finished sweep is a no-op that resumes"
"$submit" "$spec" --dir "$sweep" --workers 1 --time 5 --poll 2 \
    --bind-host 127.0.0.1 --advertise-host 127.0.0.1 --port 23573 --oversweep "$OVERSWEEP" >/dev/null
coord=$(sed -n 1p "$sweep/jobs"); workers=$(sed -n 2p "$sweep/jobs")
wait_for 120 job_gone "$coord" || fail "resubmitted coordinator $coord still running"
wait_for 60 job_gone "$workers" || fail "resubmitted workers $workers still running"
check_results "$sweep/results.jsonl" "$spec"

echo "sweep 4: scancel the coordinator mid-sweep — workers stop; resubmitting resumes"
[[ $FAKE == 1 ]] && rm -rf "$FAKE_OVERSWEEP_STATE" && mkdir -p "$FAKE_OVERSWEEP_STATE"
sweep=$work/sweep4
"$submit" "$spec" --dir "$sweep" --workers 2 --time 10 --grace 20 --poll 2 \
    --bind-host 127.0.0.1 --advertise-host 127.0.0.1 --port 23574 --oversweep "$OVERSWEEP" >/dev/null
coord=$(sed -n 1p "$sweep/jobs"); workers=$(sed -n 2p "$sweep/jobs")
wait_for 120 at_least "$sweep/results.jsonl" $((total / 4)) || fail "no progress within 120 s"
scancel "$coord"
if wait_for 90 job_gone "$workers"; then pass "workers stopped after the coordinator job was cancelled"
else fail "workers $workers still $(job_state "$workers") 90 s after the coordinator was cancelled"; fi
grep -q "ended before the sweep finished" "$sweep"/logs/worker-"$workers"_*.out && pass "worker log says why" \
    || fail "worker logs: $(cat "$sweep"/logs/worker-"$workers"_*.out)"
partial=$(results_count "$sweep/results.jsonl")
"$submit" "$spec" --dir "$sweep" --workers 2 --time 10 --grace 20 --poll 2 \
    --bind-host 127.0.0.1 --advertise-host 127.0.0.1 --port 23575 --oversweep "$OVERSWEEP" >/dev/null
coord=$(sed -n 1p "$sweep/jobs"); workers=$(sed -n 2p "$sweep/jobs")
wait_for 300 job_gone "$coord" || fail "resubmitted coordinator $coord still running"
wait_for 60 job_gone "$workers" || fail "resubmitted workers $workers still running"
pass "resubmitted after $partial/$total trials"
check_results "$sweep/results.jsonl" "$spec"

echo "slurm-test: $fails failure(s), $((SECONDS - start)) s"
[[ $fails == 0 ]]
