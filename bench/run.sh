#!/usr/bin/env bash
# Swift vs numpy vs JAX on the W1/W2/W3 workloads (docs/training-core.md), float32 and float64, in one run:
# the three implementations alternate (A B C A B C …) so machine noise hits all alike;
# medians of REPEAT runs; bench/RESULTS.md is rewritten. Needs `make release bench-deps`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/oversweep
PY=bench/.venv/bin/python
REPEAT=${REPEAT:-3}
THREADS=${THREADS:-2}
WORK=bench/.work
rm -rf "$WORK"
mkdir -p "$WORK"
RUNS="$WORK/runs.jsonl"

# The peers train from exactly the data and initial weights the Swift core uses.
"$BIN" bench --export "$WORK/data"
"$BIN" bench --gemm-peak --threads "$THREADS" > "$WORK/peak.json"

export OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=$THREADS"
for r in $(seq "$REPEAT"); do
  for w in W2 W1 W3; do
    for d in float32 float64; do
      for impl in swift jax numpy; do
        echo "run $r/$REPEAT $w $d $impl (load $(cut -d' ' -f1 /proc/loadavg))" >&2
        cut -d' ' -f1 /proc/loadavg >> "$WORK/load.txt"
        case $impl in
          swift) "$BIN" bench --json --workload "$w" --dtype "$d" --threads "$THREADS" >> "$RUNS" ;;
          numpy) "$PY" bench/peer_numpy.py --workload "$w" --dtype "$d" --data "$WORK/data" >> "$RUNS" ;;
          jax)   "$PY" bench/peer_jax.py --workload "$w" --dtype "$d" --data "$WORK/data" >> "$RUNS" ;;
        esac
      done
    done
  done
done
"$PY" bench/summarize.py "$RUNS" "$WORK/peak.json" "$WORK/load.txt" "$REPEAT" "$THREADS" > bench/RESULTS.md
cat bench/RESULTS.md
