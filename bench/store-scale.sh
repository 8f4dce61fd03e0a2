#!/usr/bin/env bash
# make bench-store-scale: the result store at the scale of a 1,000,000-trial
# sweep. Writes bench/plan-1m.yaml's trials as records shaped like real ones
# (SyntheticRecords.realistic: every basic metric, 16 curves of 23 points,
# full-precision values; about 9 KB a line in format 3), then times what a
# user waits for, with /usr/bin/time (wall, user + system CPU, peak RSS):
#   resume load  what `run/coordinator --resume` does before dispatching
#                (open the file as its writer: verify every line, learn the
#                recorded ids and the failed trials to run again)
#   status       oversweep status FILE (counts, and the plan's remaining trials)
#   report       oversweep report FILE -o DIR
# Peers measured in the same run: resume load on one thread
# (OVERSWEEP_READ_THREADS=1), and status and report through the full decode
# (--full-decode, the path before the skim) on a PEER_RECORDS-record file,
# beside the fast path on that same file. The files are removed at the end.
# The machine is shared: compare CPU seconds when it is busy (see uptime).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/oversweep}
RECORDS=${RECORDS:-1000000}
PEER_RECORDS=${PEER_RECORDS:-100000}
DIR=${DIR:-${TMPDIR:-/tmp}}
SPEC=bench/plan-1m.yaml
work=$(mktemp -d "$DIR/oversweep-store-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT

# About 9.2 KB a record, twice over (the file and the peer file), plus room.
need=$(( (RECORDS + PEER_RECORDS) * 10 / 1000 ))
avail=$(df -Pm "$work" | awk 'NR==2 {print $4}')
if (( avail < need )); then
  echo "bench-store-scale: $work has ${avail} MB free, needs about ${need} MB (RECORDS=$RECORDS); set DIR or RECORDS" >&2
  exit 1
fi
uptime
echo "machine: $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

# $(timed LABEL CMD…): runs CMD, prints its figures on one line.
timed() {
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" > "$work/out" 2> "$work/err" || true
  # The last line: /usr/bin/time puts "Command exited with non-zero status N" (status's exit codes) before it.
  tail -1 "$work/time" | awk -v l="$label" '{printf "%-44s %7.2f s wall  %7.2f s CPU  %6.0f MiB peak RSS\n", l, $1, $2 + $3, $4 / 1024}'
}

"$BIN" store-tool write-sweep "$work/v2.jsonl" --spec "$SPEC" --records 10000 --format-version 2
"$BIN" store-tool write-sweep "$work/v3.jsonl" --spec "$SPEC" --records 10000
rm -f "$work/v2.jsonl" "$work/v3.jsonl"
/usr/bin/time -f "write: %e s wall, %U s user + %S s system CPU, %M KB peak RSS" \
  "$BIN" store-tool write-sweep "$work/results.jsonl" --spec "$SPEC" --records "$RECORDS"
"$BIN" store-tool write-sweep "$work/peer.jsonl" --spec "$SPEC" --records "$PEER_RECORDS"
cat "$work/results.jsonl" "$work/peer.jsonl" > /dev/null  # both in the page cache, as after a sweep

echo "== $RECORDS records"
timed "resume load" "$BIN" store-tool resume-load "$work/results.jsonl"
timed "resume load, one thread (peer)" env OVERSWEEP_READ_THREADS=1 "$BIN" store-tool resume-load "$work/results.jsonl"
timed "status" "$BIN" status "$work/results.jsonl"
timed "report" "$BIN" report "$work/results.jsonl" -o "$work/report"
tail -3 "$work/out"
rm -rf "$work/report"

echo "== $PEER_RECORDS records (the full decode's peer figures)"
timed "status" "$BIN" status "$work/peer.jsonl"
timed "status --full-decode (peer)" "$BIN" status "$work/peer.jsonl" --full-decode
timed "report" "$BIN" report "$work/peer.jsonl" -o "$work/report"
timed "report --full-decode (peer)" "$BIN" report "$work/peer.jsonl" -o "$work/report-full" --full-decode
