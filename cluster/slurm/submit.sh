#!/usr/bin/env bash
# Submit an OverSweep sweep to SLURM: the coordinator as one job, the workers
# as a job array that starts once the coordinator runs. Resubmitting with the
# same --dir resumes (the coordinator gets --resume when results exist).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
    cat <<'EOF'
usage: submit.sh SPEC.yaml --dir DIR [options] [-- extra sbatch options]

Runs the coordinator as one SLURM job and N workers as a job array
(coordinator.sbatch, worker.sbatch next to this script). DIR must be on a
file system every node sees; it receives results.jsonl, logs/, the
coordinator's address and the job ids. Submitting again with the same DIR
resumes the sweep without re-running or duplicating finished trials.

options:
  --dir DIR              sweep directory (required; created if missing)
  --workers N            worker array size (default 4)
  --jobs J               trials in parallel per worker = CPUs per task (default 1)
  --time T               worker time limit, sbatch syntax e.g. 2:00:00 (default 1:00:00)
  --coordinator-time T   coordinator time limit (default: same as --time)
  --grace S              seconds before the time limit at which a job gets
                         SIGTERM to finish or hand back its trial (default 120)
  --port P               coordinator TCP port (default 20000 + job id mod 20000)
  --bind-host H          interface the coordinator binds (default *)
  --advertise-host H     host name workers connect to (default: the
                         coordinator node's `hostname -f`)
  --partition P, --account A, --qos Q   passed to sbatch
  --curve KEYDIR         encrypt with CURVE: KEYDIR holds coordinator.key/.pub
                         and worker.key/.pub (created with `oversweep keygen`
                         if missing; mode 0700/0600); workers are allowed by
                         worker.pub
  --oversweep PATH       the oversweep binary, same path on every node
                         (default: `command -v oversweep`)
  --poll S               seconds between worker watchdog checks (default 10)
  --dry-run              print the sbatch commands, submit nothing
  -h, --help             this help

Watch:   squeue -u "$USER";  oversweep status DIR/results.jsonl --spec SPEC
Stop:    scancel $(cat DIR/jobs)      (resubmit later to resume)
EOF
}

# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

spec="" dir="" workers=4 jobs=1 time_limit=1:00:00 coord_time="" grace=120 port=""
bind_host='*' advertise="" curve="" oversweep="" poll=10 dry=0
sbatch_common=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --dir) dir=$(optarg "$@"); shift 2 ;;
        --workers) workers=$(optarg "$@"); shift 2 ;;
        --jobs) jobs=$(optarg "$@"); shift 2 ;;
        --time) time_limit=$(optarg "$@"); shift 2 ;;
        --coordinator-time) coord_time=$(optarg "$@"); shift 2 ;;
        --grace) grace=$(optarg "$@"); shift 2 ;;
        --port) port=$(optarg "$@"); shift 2 ;;
        --bind-host) bind_host=$(optarg "$@"); shift 2 ;;
        --advertise-host) advertise=$(optarg "$@"); shift 2 ;;
        --partition|--account|--qos) sbatch_common+=("$1=$(optarg "$@")"); shift 2 ;;
        --curve) curve=$(optarg "$@"); shift 2 ;;
        --oversweep) oversweep=$(optarg "$@"); shift 2 ;;
        --poll) poll=$(optarg "$@"); shift 2 ;;
        --dry-run) dry=1; shift ;;
        --) shift; sbatch_common+=("$@"); break ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) [[ -z $spec ]] || die "one SPEC only (got '$spec' and '$1')"; spec=$1; shift ;;
    esac
done

[[ -n $spec ]] || die "missing SPEC.yaml (see --help)"
[[ -f $spec && -r $spec ]] || die "cannot read spec '$spec'"
[[ -n $dir ]] || die "missing --dir DIR (a directory every node sees)"
need_positive_int --workers "$workers"
need_positive_int --jobs "$jobs"
need_seconds --grace "$grace"
need_positive_int --poll "$poll"
time_re='^([0-9]+-)?[0-9]+(:[0-9]+){0,2}$|^UNLIMITED$|^INFINITE$'
[[ $time_limit =~ $time_re ]] || die "--time '$time_limit' is not a SLURM time (MM, HH:MM:SS, D-HH:MM …)"
coord_time=${coord_time:-$time_limit}
[[ $coord_time =~ $time_re ]] || die "--coordinator-time '$coord_time' is not a SLURM time"
[[ -z $port ]] || need_port --port "$port"
[[ $bind_host =~ ^[A-Za-z0-9.*:_-]+$ ]] || die "--bind-host '$bind_host' is not a host or address"
[[ -z $advertise || $advertise =~ ^[A-Za-z0-9._-]+$ ]] || die "--advertise-host '$advertise' is not a host name or IPv4 address"

if [[ -z $oversweep ]]; then
    oversweep=$(command -v oversweep) || die "no 'oversweep' on PATH; pass --oversweep /shared/path/oversweep"
fi
[[ $oversweep == /* ]] || oversweep=$(cd "$(dirname "$oversweep")" && pwd)/$(basename "$oversweep")
[[ -x $oversweep ]] || die "'$oversweep' is not an executable file"
spec=$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec")
case "$spec" in
    # A trial list (one trial per line) is taken as it is; a spec is checked.
    *.jsonl) [[ -s $spec ]] || die "trial list '$spec' is empty" ;;
    *) "$oversweep" plan "$spec" >/dev/null || die "'oversweep plan $spec' rejected the spec" ;;
esac
if [[ $dry == 0 ]]; then command -v sbatch >/dev/null || die "'sbatch' not found: run this on a SLURM login node"; fi

mkdir -p "$dir/logs" || die "cannot create '$dir'"
dir=$(cd "$dir" && pwd)
if [[ -s $dir/jobs && $dry == 0 ]] && command -v squeue >/dev/null; then
    # shellcheck disable=SC2046  # job ids are digits
    live=$(squeue -h -o %A -j $(tr -s ' \n' ',' <"$dir/jobs" | sed 's/,$//') 2>/dev/null | head -1 || true)
    [[ -z $live ]] || die "jobs of this sweep are still queued or running ($(cat "$dir/jobs")); scancel them first"
fi

if [[ -n $curve ]]; then
    mkdir -p "$curve" && chmod 700 "$curve"
    for who in coordinator worker; do
        if [[ ! -s $curve/$who.key ]]; then
            "$oversweep" keygen --out "$curve/$who" >/dev/null || die "oversweep keygen failed for $curve/$who"
        fi
        chmod 600 "$curve/$who.key"
        [[ -s $curve/$who.pub ]] || die "missing $curve/$who.pub next to $curve/$who.key"
    done
    curve=$(cd "$curve" && pwd)
fi

# Settings for the batch scripts, shell-quoted; they source it (paths may hold
# commas or spaces, which sbatch --export cannot carry).
{
    printf 'OVERSWEEP=%q\n' "$oversweep"
    printf 'SPEC=%q\n' "$spec"
    printf 'OUT=%q\n' "$dir/results.jsonl"
    printf 'PORT=%q\n' "$port"
    printf 'BIND_HOST=%q\n' "$bind_host"
    printf 'ADVERTISE_HOST=%q\n' "$advertise"
    printf 'JOBS=%q\n' "$jobs"
    printf 'CURVE_DIR=%q\n' "$curve"
    printf 'POLL=%q\n' "$poll"
} >"$dir/sweep.env"
rm -f "$dir/coordinator.done" "$dir/coordinator.addr"

coord_cmd=(sbatch --parsable --job-name=oversweep-coordinator --ntasks=1 --cpus-per-task=1
    --time="$coord_time" --requeue --signal="B:TERM@$grace"
    --output="$dir/logs/coordinator-%j.out" "${sbatch_common[@]}"
    "$here/coordinator.sbatch" "$dir")
worker_cmd=(sbatch --parsable --job-name=oversweep-worker --ntasks=1 --cpus-per-task="$jobs"
    --array="1-$workers" --time="$time_limit" --requeue --signal="B:TERM@$grace"
    --output="$dir/logs/worker-%A_%a.out" "${sbatch_common[@]}")

if [[ $dry == 1 ]]; then
    printf '%q ' "${coord_cmd[@]}"; echo
    printf '%q ' "${worker_cmd[@]}" --dependency=after:COORDINATOR_JOB_ID "$here/worker.sbatch" "$dir"; echo
    exit 0
fi

coord_id=$("${coord_cmd[@]}") || die "sbatch refused the coordinator job"
coord_id=${coord_id%%;*}
echo "$coord_id" >"$dir/jobs"
worker_id=$("${worker_cmd[@]}" --dependency="after:$coord_id" "$here/worker.sbatch" "$dir") \
    || { scancel "$coord_id" 2>/dev/null || true; die "sbatch refused the worker array (coordinator job $coord_id cancelled)"; }
worker_id=${worker_id%%;*}
echo "$worker_id" >>"$dir/jobs"
echo "$worker_id" >"$dir/workers.jobid"
echo "$coord_id" >"$dir/coordinator.jobid"
resume=""; [[ -s $dir/results.jsonl ]] && resume=" (resuming: $(wc -l <"$dir/results.jsonl") lines already in results.jsonl)"
echo "coordinator job $coord_id, worker array ${worker_id}_[1-$workers]$resume"
echo "results: $dir/results.jsonl   logs: $dir/logs/"
