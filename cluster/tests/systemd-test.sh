#!/usr/bin/env bash
# Tests cluster/systemd/: `systemd-analyze verify` accepts both units (and
# flags a broken copy, so the check can fail), their exposure score stays low,
# and their ExecStart lines — with systemd's specifiers and variables filled
# in as systemd would — run a sweep: coordinator + two worker instances.
# (No systemd as PID 1 in the test container, so the units are not started.)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v systemd-analyze >/dev/null || { echo "systemd-test.sh: no systemd-analyze (apt install systemd)" >&2; exit 2; }
work=$(mktemp -d /tmp/oversweep-systemd-test.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [[ $fails != 0 || -n ${KEEP:-} ]]; then echo "kept $work for inspection"; else rm -rf "$work"; fi
}
trap cleanup EXIT
select_oversweep "$work"
units=$repo/cluster/systemd

echo "systemd-analyze verify"
mkdir -p "$work/units"
for u in oversweep-coordinator.service oversweep-worker@.service; do
    # verify insists the ExecStart binary exists: point it at the one under test.
    sed "s|/usr/local/bin/oversweep|$OVERSWEEP|" "$units/$u" >"$work/units/$u"
done
cp "$work/units/oversweep-worker@.service" "$work/units/oversweep-worker@7.service"
for u in oversweep-coordinator.service oversweep-worker@.service oversweep-worker@7.service; do
    if out=$(cd "$work/units" && systemd-analyze verify "./$u" 2>&1) && [[ -z $out ]]; then pass "verify $u"
    else fail "verify $u: $out"; fi
    score=$(cd "$work/units" && systemd-analyze security --offline=yes "./$u" 2>&1 | grep -Eo 'exposure level for [^:]*: [0-9.]+' | grep -Eo '[0-9.]+$')
    if awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }'; then pass "$u exposure $score ≤ 2.0"
    else fail "$u exposure '$score' (want ≤ 2.0)"; fi
done
sed 's/^Restart=on-failure/Restart=sometimes/; s/^ProtectSystem=/ProtectSytem=/' "$work/units/oversweep-coordinator.service" >"$work/units/broken.service"
out=$(cd "$work/units" && systemd-analyze verify ./broken.service 2>&1 || true)
[[ $out == *ProtectSytem* && $out == *sometimes* ]] && pass "verify flags a broken unit" || fail "verify missed the broken unit: $out"
for u in oversweep-coordinator.service oversweep-worker@.service; do
    grep -q '^LoadCredential=' "$units/$u" && grep -q '%d/' "$units/$u" && ! grep -Eq '(SetCredential|Environment=.*KEY)' "$units/$u" \
        && pass "$u: keys only as LoadCredential files" || fail "$u: keys not passed as credentials"
done

# exec_line UNIT: the ExecStart command with continuation lines joined.
exec_line() { sed -n '/^ExecStart=/,/[^\\]$/p' "$1" | sed 's/^ExecStart=//; s/\\$//' | tr '\n' ' '; }
# expand LINE: systemd's %d %H %i and ${VAR}/$VAR, as systemd would (words split).
expand() {
    local line=$1 creds=$2 inst=$3
    line=${line//%d/$creds}; line=${line//%H/$(hostname)}; line=${line//%i/$inst}
    line=${line//\$\{STATE_DIRECTORY\}/$work/state}
    line=${line//\$\{OVERSWEEP_BIND\}/tcp://127.0.0.1:$port}
    line=${line//\$\{OVERSWEEP_CONNECT\}/tcp://127.0.0.1:$port}
    line=${line//\$\{OVERSWEEP_JOBS\}/1}
    line=${line//\$OVERSWEEP_ARGS/}
    line=${line//\/usr\/local\/bin\/oversweep/$OVERSWEEP}
    echo "$line"
}

echo "the units' command lines run a sweep"
port=$((24000 + RANDOM % 1000))
spec=${SPEC:-$work/spec.yaml}
[[ -n ${SPEC:-} ]] || echo "# fake sweep" >"$spec"
mkdir -p "$work/state" "$work/creds-c" "$work/creds-w"
"$OVERSWEEP" keygen --out "$work/coordinator" >/dev/null
"$OVERSWEEP" keygen --out "$work/worker" >/dev/null
cp "$work/coordinator.key" "$work/creds-c/coordinator.key"; cp "$work/worker.pub" "$work/creds-c/workers.allow"
cp "$work/worker.key" "$work/creds-w/worker.key"; cp "$work/coordinator.pub" "$work/creds-w/coordinator.pub"
coord_line=$(expand "$(exec_line "$units/oversweep-coordinator.service")" "$work/creds-c" "")
coord_line=${coord_line//\/etc\/oversweep\/sweep.yaml/$spec}
read -r -a coord_cmd <<<"$coord_line"
"${coord_cmd[@]}" >"$work/coordinator.log" 2>&1 &
coord=$!; pids+=("$coord")
for inst in 1 2; do
    read -r -a worker_cmd <<<"$(expand "$(exec_line "$units/oversweep-worker@.service")" "$work/creds-w" "$inst")"
    "${worker_cmd[@]}" >"$work/worker-$inst.log" 2>&1 &
    pids+=("$!")
done
deadline=$((SECONDS + 240))
while kill -0 "$coord" 2>/dev/null && [[ $SECONDS -lt $deadline ]]; do sleep 0.5; done
if wait "$coord"; then pass "coordinator (unit command line) finished the sweep"; else fail "coordinator: $(tail -5 "$work/coordinator.log")"; fi
check_results "$work/state/results.jsonl" "$spec"
# --stay: the workers keep waiting for the next sweep; systemctl stop = SIGTERM.
for p in "${pids[@]:1}"; do
    kill -0 "$p" 2>/dev/null && pass "worker $p stays after the sweep (--stay)" || fail "worker $p exited despite --stay"
    kill -TERM "$p" 2>/dev/null || true
    if wait "$p"; then pass "worker $p: SIGTERM → exit 0"; else fail "worker $p: SIGTERM → exit $?"; fi
done
pids=()
echo "systemd-test: $fails failure(s)"
[[ $fails == 0 ]]
