#!/usr/bin/env bash
# Tests cluster/ssh/launch.sh against a real sshd on 127.0.0.1 (throwaway host
# key, one authorized key), listening on three ports that the hosts file lists
# as three "hosts". Runs a sweep through them (coordinator here), checks the
# CURVE key files arrive 0600 and never appear on a command line, stop/status,
# and the refusals. Needs root and openssh-server.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $(id -u) == 0 ]] || { echo "ssh-test.sh: needs root (runs sshd)" >&2; exit 2; }
command -v /usr/sbin/sshd >/dev/null || { echo "ssh-test.sh: no sshd (make cluster-deps)" >&2; exit 2; }
work=$(mktemp -d /tmp/oversweep-ssh-test.XXXXXX)
coord_pid=""
launch=$repo/cluster/ssh/launch.sh
cleanup() {
    [[ -z $coord_pid ]] || kill "$coord_pid" 2>/dev/null || true
    [[ ! -f $work/hosts ]] || "$launch" stop --hosts "$work/hosts" --remote-dir "$work/remote" --grace 5 "${sshopt[@]}" >/dev/null 2>&1 || true
    [[ ! -s $work/sshd.pid ]] || kill "$(cat "$work/sshd.pid")" 2>/dev/null || true
    if [[ $fails != 0 || -n ${KEEP:-} ]]; then echo "kept $work for inspection"; else rm -rf "$work"; fi
}
trap cleanup EXIT
export FAKE_TRIAL_SECONDS=${FAKE_TRIAL_SECONDS:-1} FAKE_TRIALS=${FAKE_TRIALS:-60}
select_oversweep "$work"

# sshd on three ports, keys in $work only.
base=$((22000 + RANDOM % 2000))
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"
cat >"$work/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $base
Port $((base + 1))
Port $((base + 2))
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
PidFile $work/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
EOF
mkdir -p /run/sshd
/usr/sbin/sshd -f "$work/sshd_config" -E "$work/sshd.log"
wait_for 10 test -s "$work/sshd.pid" || { echo "sshd did not start: $(cat "$work/sshd.log")" >&2; exit 1; }
sshopt=(--ssh-option "IdentityFile=$work/client_key" --ssh-option IdentitiesOnly=yes
    --ssh-option "UserKnownHostsFile=$work/known_hosts" --ssh-option StrictHostKeyChecking=accept-new
    --ssh-option LogLevel=ERROR)
printf '# three "hosts" on one machine\n127.0.0.1:%s jobs=1\nroot@127.0.0.1:%s   # default jobs\nlocalhost:%s workers=2 jobs=1\n' \
    "$base" "$((base + 1))" "$((base + 2))" >"$work/hosts"

# A wrapper so the remote side (a fresh ssh session) finds the fake's state.
bin=$work/bin/oversweep
mkdir -p "$work/bin"
if [[ $FAKE == 1 ]]; then
    printf '#!/bin/sh\nexport FAKE_OVERSWEEP_STATE=%q FAKE_TRIALS=%q FAKE_TRIAL_SECONDS=%q\nexec %q "$@"\n' \
        "$FAKE_OVERSWEEP_STATE" "$FAKE_TRIALS" "$FAKE_TRIAL_SECONDS" "$OVERSWEEP" >"$bin"
    chmod +x "$bin"
else
    ln -s "$OVERSWEEP" "$bin"
fi
spec=${SPEC:-$work/spec.yaml}
[[ -n ${SPEC:-} ]] || echo "# fake sweep" >"$spec"
port=$((base + 100))

echo "launch.sh refuses bad input"
expect_refusal "no args" "usage" "$launch"
expect_refusal "unknown subcommand" "unknown subcommand" "$launch" frobnicate
expect_refusal "missing hosts file" "does not exist" "$launch" start --hosts "$work/nope" --connect "tcp://127.0.0.1:$port"
printf 'good.example\nbad/host jobs=2\n' >"$work/bad-hosts"
expect_refusal "bad hosts line" "bad-hosts:2: 'bad/host' is not" "$launch" status --hosts "$work/bad-hosts"
printf 'a:22\na:22\n' >"$work/dup-hosts"
expect_refusal "duplicate host" "listed twice" "$launch" status --hosts "$work/dup-hosts"
printf 'a jobs=0\n' >"$work/badjobs-hosts"
expect_refusal "bad jobs field" "bad 'jobs=0'" "$launch" status --hosts "$work/badjobs-hosts"
: >"$work/empty-hosts"
expect_refusal "empty hosts file" "lists no hosts" "$launch" status --hosts "$work/empty-hosts"
expect_refusal "no --connect" "needs --connect" "$launch" start --hosts "$work/hosts"
expect_refusal "unparsable address" "cannot parse coordinator address" "$launch" start --hosts "$work/hosts" --connect "127.0.0.1:$port"
expect_refusal "bind address" "is a bind address" "$launch" start --hosts "$work/hosts" --connect "tcp://*:$port"
expect_refusal "unresolvable coordinator" "does not resolve" "$launch" start --hosts "$work/hosts" --connect "tcp://no-such-host.invalid:$port"
expect_refusal "unreachable coordinator" "is not reachable" "$launch" start --hosts "$work/hosts" --connect "tcp://127.0.0.1:$port"
expect_refusal "half the CURVE keys" "needs both" "$launch" start --hosts "$work/hosts" --connect "tcp://127.0.0.1:$port" --curve-secret "$work/host_key"
expect_refusal "unsafe remote dir" "--remote-dir" "$launch" status --hosts "$work/hosts" --remote-dir 'a;rm -rf x'
help=$("$launch" --help) && [[ $help == *"hosts file:"* ]] && pass "--help" || fail "--help"

echo "a sweep over three ssh \"hosts\", CURVE key files passed through ssh stdin"
mkdir -p "$work/keys"
"$bin" keygen --out "$work/keys/worker" >/dev/null
"$bin" keygen --out "$work/keys/coordinator" >/dev/null
cp "$work/keys/worker.pub" "$work/keys/allow"
curve_coord=(--curve-secret "$work/keys/coordinator.key" --curve-allow "$work/keys/allow")
"$bin" coordinator "$spec" --bind "tcp://127.0.0.1:$port" --out "$work/results.jsonl" "${curve_coord[@]}" \
    >"$work/coordinator.log" 2>&1 &
coord_pid=$!
wait_for 20 bash -c ": >/dev/tcp/127.0.0.1/$port" 2>/dev/null || fail "coordinator not listening: $(cat "$work/coordinator.log")"

expect_refusal "missing remote binary" "not found or not executable" "$launch" start --hosts "$work/hosts" \
    --connect "tcp://127.0.0.1:$port" --remote-bin "$work/no/oversweep" --remote-dir "$work/remote" "${sshopt[@]}"
expect_refusal "remote binary not on PATH" "not on PATH" "$launch" start --hosts "$work/hosts" \
    --connect "tcp://127.0.0.1:$port" --remote-bin no-such-oversweep-binary --remote-dir "$work/remote" "${sshopt[@]}"

out=$("$launch" start --hosts "$work/hosts" --connect "tcp://127.0.0.1:$port" --remote-bin "$bin" \
    --remote-dir "$work/remote" --curve-secret "$work/keys/worker.key" --curve-server-key "$work/keys/coordinator.pub" "${sshopt[@]}")
while IFS= read -r l; do echo "      $l"; done <<<"$out"
[[ $(grep -c ' pid ' <<<"$out") == 4 ]] && pass "start: 4 workers on 3 hosts" || fail "start output: $out"
grep -q "localhost:$((base + 2)): worker 2 pid" <<<"$out" && pass "workers=2 honoured" || fail "workers=2 not honoured"

for d in "$work"/remote/*/; do
    mode=$(stat -c %a "$d/worker.key")
    [[ $mode == 600 ]] && cmp -s "$d/worker.key" "$work/keys/worker.key" \
        && pass "$(basename "$d"): worker.key copied, mode $mode" || fail "$(basename "$d"): worker.key mode $mode or content differs"
done
# No process's command line may hold key material (only key file paths).
secret=$(cat "$work/keys/worker.key")
leaked=0
for c in /proc/[0-9]*/cmdline; do grep -qF -- "$secret" "$c" 2>/dev/null && leaked=1; done
[[ $leaked == 0 ]] && pass "no command line holds the secret key" || fail "secret key visible in a command line"
st=$("$launch" status --hosts "$work/hosts" --remote-dir "$work/remote" "${sshopt[@]}")
[[ $(grep -c 'running' <<<"$st") -ge 1 ]] && pass "status shows running workers" || fail "status: $st"
expect_refusal "start twice" "already running" "$launch" start --hosts "$work/hosts" --connect "tcp://127.0.0.1:$port" \
    --remote-bin "$bin" --remote-dir "$work/remote" "${sshopt[@]}"

if wait "$coord_pid"; then pass "coordinator finished (exit 0)"; else fail "coordinator exit $?: $(tail -5 "$work/coordinator.log")"; fi
coord_pid=""
check_results "$work/results.jsonl" "$spec"
hosts_used=$(grep -o '"worker" *: *"[^"]*"' "$work/results.jsonl" | sort -u | wc -l)
[[ $hosts_used -ge 2 ]] && pass "$hosts_used distinct workers recorded results" || fail "only $hosts_used worker recorded results"
if wait_for 30 bash -c "! \"$launch\" status --hosts \"$work/hosts\" --remote-dir \"$work/remote\" ${sshopt[*]@Q} | grep -q running"; then
    pass "every worker exited by itself when the sweep was done"
else fail "workers still running after the sweep"; fi
"$launch" logs --hosts "$work/hosts" --remote-dir "$work/remote" --log-dir "$work/logs" "${sshopt[@]}" >/dev/null
[[ $(find "$work/logs" -name '*.log' | wc -l) == 3 ]] && grep -q "worker --connect" "$work/logs/localhost_$((base + 2)).log" \
    && pass "logs: one log per host" || fail "logs: $(ls "$work/logs")"

echo "stop: SIGTERM hands back, keys removed"
[[ $FAKE == 1 ]] && rm -rf "$FAKE_OVERSWEEP_STATE" && mkdir -p "$FAKE_OVERSWEEP_STATE"
"$bin" coordinator "$spec" --bind "tcp://127.0.0.1:$port" --out "$work/results2.jsonl" >"$work/coordinator2.log" 2>&1 &
coord_pid=$!
wait_for 20 bash -c ": >/dev/tcp/127.0.0.1/$port" 2>/dev/null || fail "coordinator 2 not listening"
"$launch" start --hosts "$work/hosts" --connect "tcp://127.0.0.1:$port" --remote-bin "$bin" --remote-dir "$work/remote" --jobs 1 "${sshopt[@]}" >/dev/null
wait_for 60 bash -c "[[ \$(grep -c '\"id\"' '$work/results2.jsonl' 2>/dev/null) -ge 3 ]]" || fail "no progress in sweep 2"
out=$("$launch" stop --hosts "$work/hosts" --remote-dir "$work/remote" --grace 20 "${sshopt[@]}")
[[ $(grep -c ': stopped' <<<"$out") == 4 ]] && pass "stop: 4 workers stopped by SIGTERM" || fail "stop: $out"
ls "$work"/remote/*/worker.key >/dev/null 2>&1 && fail "stop left key files behind" || pass "stop removed the key files"
st=$("$launch" status --hosts "$work/hosts" --remote-dir "$work/remote" "${sshopt[@]}")
grep -q running <<<"$st" && fail "still running after stop: $st" || pass "status after stop: nothing running"
"$launch" start --hosts "$work/hosts" --connect "tcp://127.0.0.1:$port" --remote-bin "$bin" --remote-dir "$work/remote" "${sshopt[@]}" >/dev/null
if wait "$coord_pid"; then pass "restarted workers finished the sweep"; else fail "coordinator 2 exit $?"; fi
coord_pid=""
check_results "$work/results2.jsonl" "$spec"

echo "ssh-test: $fails failure(s)"
[[ $fails == 0 ]]
