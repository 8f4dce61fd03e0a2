#!/usr/bin/env bash
# Tests cluster/netns/hosts.sh: hosts reach each other over the bridge and not
# once a link is cut; a sweep across 3 hosts completes with one worker's link
# cut mid-sweep; the namespaces are gone afterwards, also after a failed
# sweep; bad input is refused. Needs root.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $(id -u) == 0 ]] || { echo "netns-test.sh: needs root (ip netns)" >&2; exit 2; }
work=$(mktemp -d /tmp/oversweep-netns-test.XXXXXX)
hosts=$repo/cluster/netns/hosts.sh
prefix=oswt$$
listener=""
cleanup() {
    [[ -z $listener ]] || kill "$listener" 2>/dev/null || true
    "$hosts" down --prefix "$prefix" 2>/dev/null || true
    if [[ $fails != 0 || -n ${KEEP:-} ]]; then echo "kept $work for inspection"; else rm -rf "$work"; fi
}
trap cleanup EXIT
select_oversweep "$work"
spec=${SPEC:-$work/spec.yaml}
[[ -n ${SPEC:-} ]] || echo "# fake sweep" >"$spec"
namespaces() { ip netns list | awk '{print $1}' | grep -c "^$1-" || true; }

echo "hosts.sh refuses bad input"
expect_refusal "no action" "usage" "$hosts"
expect_refusal "unknown action" "unknown action" "$hosts" frobnicate
expect_refusal "sweep without spec" "sweep needs SPEC" "$hosts" sweep --hosts 3 --out "$work/r.jsonl"
expect_refusal "missing spec" "cannot read spec" "$hosts" sweep "$work/nope.yaml" --hosts 3 --out "$work/r.jsonl"
expect_refusal "one host" "N ≥ 2" "$hosts" sweep "$spec" --hosts 1 --out "$work/r.jsonl" --oversweep "$OVERSWEEP"
expect_refusal "bad cut" "not HOST@SECONDS" "$hosts" sweep "$spec" --hosts 3 --out "$work/r.jsonl" --cut 2 --oversweep "$OVERSWEEP"
expect_refusal "cut the coordinator" "must be a worker" "$hosts" sweep "$spec" --hosts 3 --out "$work/r.jsonl" --cut 0@1 --oversweep "$OVERSWEEP"
expect_refusal "missing binary" "is not an executable" "$hosts" sweep "$spec" --hosts 3 --out "$work/r.jsonl" --oversweep "$work/nope"
expect_refusal "public subnet" "must be a private" "$hosts" up --hosts 2 --subnet 8.8.8 --prefix "$prefix"
expect_refusal "bad prefix" "--prefix must be" "$hosts" up --hosts 2 --prefix 'a b'
expect_refusal "exec on a missing host" "no host 5" "$hosts" exec 5 --prefix "$prefix" true
help=$("$hosts" --help) && [[ $help == *"--cut I@S"* ]] && pass "--help" || fail "--help"

echo "up / exec / cut / restore / down"
"$hosts" up --hosts 2 --prefix "$prefix" >/dev/null
[[ $(namespaces "$prefix") == 3 ]] && pass "up: 2 hosts + switch namespace" || fail "up: $(ip netns list)"
ip -o link show | grep -q "veth\|br0" && fail "something landed in the root namespace: $(ip -o link show)" || pass "root namespace untouched"
a0=$("$hosts" addr 0 --prefix "$prefix")
"$hosts" exec 0 --prefix "$prefix" -- perl -MIO::Socket::INET -e \
    '$s = IO::Socket::INET->new(LocalAddr => $ARGV[0], LocalPort => 7070, Listen => 5, ReuseAddr => 1) or die; while (my $c = $s->accept) { close $c }' "$a0" &
listener=$!
reach() { "$hosts" exec 1 --prefix "$prefix" -- timeout 2 bash -c ': >"/dev/tcp/$1/7070"' _ "$a0" 2>/dev/null; }
wait_for 10 reach && pass "h1 reaches $a0:7070 over the bridge" || fail "h1 cannot reach h0"
# (A TCP connect from the root namespace proves nothing where a sandbox proxy
# accepts every connection: check no root interface or route holds the subnet.)
subnet=${a0%.*}
ip -o addr show | grep -q " $subnet\." || ip route | grep -q "^$subnet\." \
    && fail "the root namespace has an address or route in $subnet.0/24" || pass "the subnet exists only inside the namespaces"
"$hosts" cut 1 --prefix "$prefix"
reach && fail "h1 still reaches h0 after cut" || pass "cut 1: h1 cut off"
"$hosts" list --prefix "$prefix" | grep -q "h1 .* link down" && pass "list shows the cut link" || fail "list: $("$hosts" list --prefix "$prefix")"
"$hosts" restore 1 --prefix "$prefix"
wait_for 10 reach && pass "restore 1: h1 reaches h0 again" || fail "h1 cannot reach h0 after restore"
kill "$listener" 2>/dev/null || true; listener=""
"$hosts" down --prefix "$prefix"
[[ $(namespaces "$prefix") == 0 ]] && pass "down: namespaces removed" || fail "down left: $(ip netns list)"

echo "a sweep across 3 hosts, worker h2's link cut mid-sweep"
out=$("$hosts" sweep "$spec" --hosts 3 --out "$work/results.jsonl" --oversweep "$OVERSWEEP" --cut 2@2 --port 5601 --timeout 300 --prefix "${prefix}s" 2>&1) \
    && pass "sweep exit 0" || fail "sweep: $out"
while IFS= read -r l; do echo "      $l"; done <<<"$out"
grep -q "cut host 2" <<<"$out" && pass "host 2's link was cut mid-sweep" || fail "no cut happened"
check_results "$work/results.jsonl" "$spec"
[[ $(namespaces "${prefix}s") == 0 ]] && pass "sweep: namespaces torn down" || fail "left behind: $(ip netns list)"
no_leftovers "sweep processes" "tcp://10.213.0.1:5601"

echo "a failing sweep still tears down"
[[ $FAKE == 1 ]] && rm -rf "$FAKE_OVERSWEEP_STATE" && mkdir -p "$FAKE_OVERSWEEP_STATE"
rc=0; "$hosts" sweep "$spec" --hosts 2 --out "$work/timeout.jsonl" --oversweep "$OVERSWEEP" --timeout 1 --port 5602 --prefix "${prefix}f" >/dev/null 2>&1 || rc=$?
[[ $rc != 0 ]] && pass "timed-out sweep exits $rc" || fail "timed-out sweep exited 0"
[[ $(namespaces "${prefix}f") == 0 ]] && pass "namespaces removed after the failure" || fail "left behind: $(ip netns list)"
no_leftovers "processes of the failed sweep" "tcp://10.213.0.1:5602"

echo "netns-test: $fails failure(s)"
[[ $fails == 0 ]]
