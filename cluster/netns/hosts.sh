#!/usr/bin/env bash
# Several "hosts" on one Linux machine: network namespaces PREFIX-h0..h(N-1),
# each with `lo` and an eth0 (veth) plugged into a bridge that lives in its own
# namespace PREFIX-sw. Nothing is created in the root namespace; addresses are
# a private /24 that exists only inside these namespaces.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: hosts.sh sweep SPEC.yaml --hosts N --out FILE [options]
       hosts.sh up --hosts N [--prefix P] [--subnet A.B.C]
       hosts.sh down [--prefix P]
       hosts.sh exec I COMMAND...      run COMMAND on host I
       hosts.sh cut I | restore I      take host I's link down / up again
       hosts.sh addr I                 print host I's address
       hosts.sh list                   hosts and link states

sweep: builds N hosts, runs the coordinator on host 0 and one worker on each
other host, optionally cuts a host's link mid-sweep, waits for the coordinator
to finish, prints `oversweep status`, and always tears the hosts down.

options:
  --hosts N          number of hosts, ≥ 2 for sweep (coordinator + workers)
  --prefix P         namespace name prefix (default oversweep; sweep: osw<pid>)
  --subnet A.B.C     the private /24 inside the namespaces (default 10.213.0)
  --out FILE         sweep: results file (written by the coordinator on host 0)
  --jobs J           sweep: trials in parallel per worker (default 1)
  --port P           sweep: coordinator port (default 5555)
  --cut I@S          sweep: take host I's link down S seconds after the
                     workers start (repeatable); --restore-after R brings it
                     back R seconds later (default: stays down)
  --timeout S        sweep: give up after S seconds (default 600)
  --oversweep PATH   the binary (default: `oversweep` on PATH)
  -h, --help         this help

Needs root (ip netns). `ping`, `iptables` and `tc netem` are not needed.
EOF
}

# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

[[ $# -ge 1 ]] || { usage >&2; exit 2; }
case "$1" in -h|--help) usage; exit 0 ;; esac
action=$1; shift
prefix="" n="" subnet=10.213.0 out="" jobs=1 port=5555 timeout_s=600 oversweep="" spec="" restore_after=""
cuts=() rest=()
case "$action" in
    exec|cut|restore|addr)
        [[ $# -ge 1 ]] || die "$action needs a host index"
        host_index=$1; shift
        [[ $host_index =~ ^[0-9]+$ ]] || die "host index must be a number, got '$host_index'"
        ;;
esac
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --hosts) n=$(optarg "$@"); shift 2 ;;
        --prefix) prefix=$(optarg "$@"); shift 2 ;;
        --subnet) subnet=$(optarg "$@"); shift 2 ;;
        --out) out=$(optarg "$@"); shift 2 ;;
        --jobs) jobs=$(optarg "$@"); shift 2 ;;
        --port) port=$(optarg "$@"); shift 2 ;;
        --cut) cuts+=("$(optarg "$@")"); shift 2 ;;
        --restore-after) restore_after=$(optarg "$@"); shift 2 ;;
        --timeout) timeout_s=$(optarg "$@"); shift 2 ;;
        --oversweep) oversweep=$(optarg "$@"); shift 2 ;;
        --) shift; rest+=("$@"); break ;;
        -*) [[ $action == exec ]] && { rest+=("$@"); break; }; die "unknown option '$1' (see --help)" ;;
        *) if [[ $action == sweep && -z $spec ]]; then spec=$1; shift
           elif [[ $action == exec ]]; then rest+=("$@"); break
           else die "unexpected argument '$1' (see --help)"; fi ;;
    esac
done

[[ $(id -u) == 0 ]] || die "needs root (ip netns)"
command -v ip >/dev/null || die "'ip' not found (apt install iproute2)"
[[ -z $prefix || $prefix =~ ^[A-Za-z0-9_-]{1,20}$ ]] || die "--prefix must be 1-20 letters, digits, _ or -"
[[ $subnet =~ ^(10\.[0-9]+\.[0-9]+|192\.168\.[0-9]+|172\.(1[6-9]|2[0-9]|3[01])\.[0-9]+)$ ]] \
    || die "--subnet '$subnet' must be a private A.B.C (10.x.y, 172.16-31.y, 192.168.y)"
sw() { echo "$prefix-sw"; }
hostns() { echo "$prefix-h$1"; }
addr() { echo "$subnet.$(($1 + 1))"; }
count_hosts() { ip netns list | awk '{print $1}' | grep -c "^$prefix-h[0-9]*$" || true; }

down() {
    local ns
    for ns in $(ip netns list | awk '{print $1}' | grep -E "^$prefix-(h[0-9]+|sw)$" || true); do
        # veths go with their namespace; the bridge with the switch namespace.
        ip netns del "$ns" 2>/dev/null || echo "hosts.sh: could not delete namespace $ns" >&2
    done
}

up() {
    [[ $n =~ ^[1-9][0-9]*$ && $n -le 250 ]] || die "--hosts must be 1..250, got '${n:-nothing}'"
    ip netns list | awk '{print $1}' | grep -qx "$(sw)" && die "namespaces '$prefix-*' already exist (hosts.sh down --prefix $prefix)"
    ip netns add "$(sw)" || die "cannot create network namespaces (root? kernel support?)"
    ip -n "$(sw)" link set lo up
    ip -n "$(sw)" link add br0 type bridge
    ip -n "$(sw)" link set br0 up
    local i
    for ((i = 0; i < n; i++)); do
        ip netns add "$(hostns "$i")"
        ip -n "$(hostns "$i")" link set lo up
        # Both veth ends are created directly in their namespaces.
        ip -n "$(sw)" link add "p$i" type veth peer name eth0 netns "$(hostns "$i")"
        ip -n "$(sw)" link set "p$i" master br0 up
        ip -n "$(hostns "$i")" addr add "$(addr "$i")/24" dev eth0
        ip -n "$(hostns "$i")" link set eth0 up
    done
}

link() { # host-index up|down
    ip netns list | awk '{print $1}' | grep -qx "$(hostns "$1")" || die "no host $1 (namespace $(hostns "$1"))"
    ip -n "$(sw)" link set "p$1" "$2"
}

sweep() {
    [[ -n $spec ]] || die "sweep needs SPEC.yaml"
    [[ -r $spec ]] || die "cannot read spec '$spec'"
    [[ -n $out ]] || die "sweep needs --out FILE"
    [[ $n =~ ^[0-9]+$ && $n -ge 2 ]] || die "sweep needs --hosts N with N ≥ 2 (host 0 runs the coordinator), got '${n:-nothing}'"
    need_positive_int --jobs "$jobs"
    need_port --port "$port"
    [[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "--timeout must be seconds, got '$timeout_s'"
    [[ -z $restore_after ]] || need_seconds --restore-after "$restore_after"
    local c
    for c in "${cuts[@]}"; do
        [[ $c =~ ^([0-9]+)@([0-9]+)$ ]] || die "--cut '$c' is not HOST@SECONDS"
        [[ ${BASH_REMATCH[1]} -ge 1 && ${BASH_REMATCH[1]} -lt $n ]] || die "--cut '$c': host must be a worker, 1..$((n - 1))"
    done
    if [[ -z $oversweep ]]; then oversweep=$(command -v oversweep) || die "no 'oversweep' on PATH; pass --oversweep PATH"; fi
    [[ -x $oversweep ]] || die "'$oversweep' is not an executable file"
    mkdir -p "$(dirname "$out")"
    local logs=${out%.jsonl}.netns-logs coord i rc
    mkdir -p "$logs"
    sweep_pids=()   # global: the EXIT trap runs after this function returns
    stop_all() {
        local p
        for p in "${sweep_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
        for _ in $(seq 100); do   # up to 10 s to hand back and exit
            local alive=0
            for p in "${sweep_pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
            [[ $alive == 1 ]] || break
            sleep 0.1
        done
        for p in "${sweep_pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
        down
    }
    trap stop_all EXIT
    trap 'exit 130' INT TERM
    up
    local connect
    connect="tcp://$(addr 0):$port"
    echo "hosts.sh: $n hosts ($prefix-h0..h$((n - 1)) on $subnet.0/24); coordinator on h0 at $connect"
    ip netns exec "$(hostns 0)" "$oversweep" coordinator "$spec" --bind "$connect" --out "$out" \
        >"$logs/coordinator.log" 2>&1 &
    coord=$!; sweep_pids+=("$coord")
    for ((i = 1; i < n; i++)); do
        ip netns exec "$(hostns "$i")" "$oversweep" worker --connect "$connect" --jobs "$jobs" --name "netns-h$i" \
            >"$logs/worker-h$i.log" 2>&1 &
        sweep_pids+=("$!")
    done
    local start=$SECONDS done_cuts=() restored=()
    while kill -0 "$coord" 2>/dev/null; do
        [[ $((SECONDS - start)) -lt $timeout_s ]] || { echo "hosts.sh: sweep not done after ${timeout_s}s (logs: $logs)" >&2; exit 1; }
        for c in "${cuts[@]}"; do
            local h=${c%@*} at=${c#*@}
            if [[ " ${done_cuts[*]} " != *" $h "* && $((SECONDS - start)) -ge $at ]]; then
                link "$h" down; done_cuts+=("$h")
                echo "hosts.sh: cut host $h's link at $((SECONDS - start)) s"
            fi
            if [[ -n $restore_after && " ${done_cuts[*]} " == *" $h "* && " ${restored[*]} " != *" $h "* \
                && $((SECONDS - start)) -ge $((at + restore_after)) ]]; then
                link "$h" up; restored+=("$h")
                echo "hosts.sh: restored host $h's link at $((SECONDS - start)) s"
            fi
        done
        sleep 0.5
    done
    if wait "$coord"; then rc=0; else rc=$?; fi
    echo "hosts.sh: coordinator exited with status $rc after $((SECONDS - start)) s (logs: $logs)"
    "$oversweep" status "$out" --spec "$spec" || rc=1
    return "$rc"
}

case "$action" in
    up) prefix=${prefix:-oversweep}; up; echo "hosts: $(for ((i = 0; i < n; i++)); do printf '%s=%s ' "$(hostns "$i")" "$(addr "$i")"; done)" ;;
    down) prefix=${prefix:-oversweep}; down ;;
    exec)
        prefix=${prefix:-oversweep}
        [[ ${#rest[@]} -gt 0 ]] || die "exec needs a COMMAND"
        ip netns list | awk '{print $1}' | grep -qx "$(hostns "$host_index")" || die "no host $host_index (hosts.sh up first)"
        exec ip netns exec "$(hostns "$host_index")" "${rest[@]}" ;;
    cut) prefix=${prefix:-oversweep}; link "$host_index" down ;;
    restore) prefix=${prefix:-oversweep}; link "$host_index" up ;;
    addr) prefix=${prefix:-oversweep}; addr "$host_index" ;;
    list)
        prefix=${prefix:-oversweep}
        [[ $(count_hosts) -gt 0 ]] || { echo "no hosts with prefix $prefix"; exit 0; }
        for ((i = 0; i < $(count_hosts); i++)); do
            echo "$(hostns "$i") $(addr "$i") link $(ip -n "$(sw)" -o link show "p$i" | grep -q '[<,]UP[,>]' && echo up || echo down)"
        done ;;
    sweep) prefix=${prefix:-osw$$}; sweep ;;
    *) die "unknown action '$action' (see --help)" ;;
esac
