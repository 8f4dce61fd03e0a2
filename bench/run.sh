#!/usr/bin/env bash
# OverSweep vs numpy vs JAX on W1–W4, float32 and float64, in one run, twice: with
# OpenBLAS pinned to its Haswell (AVX2) kernels and unpinned (what a user's node does).
# The implementations alternate (A B C A B C …) so machine noise hits all alike; medians
# of REPEAT runs; bench/RESULTS.md is rewritten. Needs `make release bench-deps`.
# W4 runs end to end through `oversweep run --workers 2` (bench/w4.yaml) as well as in
# process; the peers time their steady state (JAX: compile excluded).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/oversweep
PY=bench/.venv/bin/python
REPEAT=${REPEAT:-3}
THREADS=${THREADS:-2}
PINS=${PINS:-"Haswell unpinned"}
WORKLOADS=${WORKLOADS:-"W2 W1 W3 W4"}
WORK=bench/.work
rm -rf "$WORK"
mkdir -p "$WORK"
RUNS="$WORK/runs.jsonl"

# The peers train from exactly the data and initial weights the Swift core uses.
"$BIN" bench --export "$WORK/data"
for d in float32 float64; do sed "s/^  dtype: float32/  dtype: $d/" bench/w4.yaml > "$WORK/w4-$d.yaml"; done

export OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=$THREADS"

# Runs a command with the pin's environment and tags its JSON line with the pin.
pinned() {
  local pin=$1; shift
  local line
  if [ "$pin" = unpinned ]; then line=$(env -u OPENBLAS_CORETYPE "$@"); else line=$(env OPENBLAS_CORETYPE="$pin" "$@"); fi
  echo "${line/#\{/\{\"pin\": \"$pin\", }"
}

for pin in $PINS; do
  pinned "$pin" "$BIN" bench --gemm-peak --threads "$THREADS" >> "$WORK/peaks.jsonl"
done
for r in $(seq "$REPEAT"); do
  for pin in $PINS; do
    for w in $WORKLOADS; do
      for d in float32 float64; do
        impls="swift jax numpy"
        [ "$w" = W4 ] && impls="swift swift-run jax numpy"
        for impl in $impls; do
          echo "run $r/$REPEAT $pin $w $d $impl (load $(cut -d' ' -f1 /proc/loadavg))" >&2
          echo "$pin $(cut -d' ' -f1 /proc/loadavg)" >> "$WORK/load.txt"
          case $impl in
            # OverSweep trains on its own kernels; OpenBLAS (metrics: full only) runs on one
            # thread there, as in the workers `oversweep run` starts: a pool of $THREADS would
            # spin for its first ~0.1 s on the cores the training needs.
            swift) pinned "$pin" env OPENBLAS_NUM_THREADS=1 "$BIN" bench --json --bookkeeping --workload "$w" --dtype "$d" --threads "$THREADS" >> "$RUNS" ;;
            swift-run) pinned "$pin" "$PY" bench/e2e.py --bin "$BIN" --spec "$WORK/w4-$d.yaml" --dtype "$d" \
                         --out "$WORK/w4-$d.jsonl" --workers "$THREADS" >> "$RUNS" ;;
            numpy) pinned "$pin" "$PY" bench/peer_numpy.py --workload "$w" --dtype "$d" --data "$WORK/data" >> "$RUNS" ;;
            jax)   pinned "$pin" "$PY" bench/peer_jax.py --workload "$w" --dtype "$d" --data "$WORK/data" >> "$RUNS" ;;
          esac
        done
      done
    done
  done
done
"$PY" bench/summarize.py "$RUNS" "$WORK/peaks.jsonl" "$WORK/load.txt" "$REPEAT" "$THREADS" > bench/RESULTS.md
cat bench/RESULTS.md
