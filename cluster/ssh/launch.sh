#!/usr/bin/env bash
# Start, stop and inspect OverSweep workers on the hosts of a hosts file, over SSH.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: launch.sh start  --hosts FILE --connect tcp://HOST:PORT [options]
       launch.sh stop   --hosts FILE [options]
       launch.sh status --hosts FILE [options]
       launch.sh logs   --hosts FILE [--log-dir DIR] [options]

Starts worker processes on every host of FILE over SSH (nohup, detached: they
outlive this command and exit by themselves when the sweep is done).

hosts file: one host per line, `[user@]host[:port] [jobs=J] [workers=K]`;
`#` starts a comment. jobs/workers override --jobs/--workers for that host.
The same machine may appear several times with different ports.

options:
  --hosts FILE             the hosts file (required)
  --connect tcp://H:P      coordinator address the workers connect to (start)
  --jobs J                 trials in parallel per worker process (default:
                           the remote host's core count / workers)
  --workers K              worker processes per host (default 1)
  --curve-secret FILE      the workers' CURVE secret key (from `oversweep keygen`)
  --curve-server-key FILE  the coordinator's CURVE public key
                           Both are copied to each host through SSH's stdin into
                           REMOTE_DIR with mode 0600: never on a command line.
  --remote-bin PATH        oversweep on the remote hosts (default: `oversweep`
                           on the remote PATH of a non-interactive shell)
  --remote-dir DIR         remote state directory: pid files, logs, keys
                           (default .oversweep-launch, relative to the remote home)
  --log-dir DIR            where `logs` gathers one log per host (default ./oversweep-logs)
  --grace S                stop: seconds to wait for workers to hand back their
                           trials after SIGTERM before SIGKILL (default 60)
  --no-check               start: skip the coordinator reachability check
  --ssh-option OPT         extra `ssh -o OPT` (repeatable), e.g. IdentityFile=~/.ssh/k
  -h, --help               this help

start checks, before starting anything on a host: the address parses, the
coordinator is reachable from this machine and from the host (a TCP connect),
the remote binary exists; a host that fails is reported and skipped, and the
exit status is non-zero if any host failed.
EOF
}

# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

[[ $# -ge 1 ]] || { usage >&2; exit 2; }
case "$1" in -h|--help) usage; exit 0 ;; start|stop|status|logs) action=$1; shift ;;
    *) die "unknown subcommand '$1' (start, stop, status, logs; see --help)" ;; esac

hosts_file="" connect="" jobs="" workers=1 secret="" server_key="" remote_bin=oversweep
remote_dir=.oversweep-launch log_dir=./oversweep-logs grace=60 check=1
ssh_opts=(-o BatchMode=yes -o ConnectTimeout=10)
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --hosts) hosts_file=$(optarg "$@"); shift 2 ;;
        --connect) connect=$(optarg "$@"); shift 2 ;;
        --jobs) jobs=$(optarg "$@"); shift 2 ;;
        --workers) workers=$(optarg "$@"); shift 2 ;;
        --curve-secret) secret=$(optarg "$@"); shift 2 ;;
        --curve-server-key) server_key=$(optarg "$@"); shift 2 ;;
        --remote-bin) remote_bin=$(optarg "$@"); shift 2 ;;
        --remote-dir) remote_dir=$(optarg "$@"); shift 2 ;;
        --log-dir) log_dir=$(optarg "$@"); shift 2 ;;
        --grace) grace=$(optarg "$@"); shift 2 ;;
        --no-check) check=0; shift ;;
        --ssh-option) ssh_opts+=(-o "$(optarg "$@")"); shift 2 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done

# --- input checks --------------------------------------------------------------
[[ -n $hosts_file ]] || die "missing --hosts FILE"
[[ -f $hosts_file && -r $hosts_file ]] || die "hosts file '$hosts_file' does not exist or is not readable"
need_positive_int --workers "$workers"
[[ -z $jobs ]] || need_positive_int --jobs "$jobs"
need_seconds --grace "$grace"
# Remote paths travel inside a remote shell command: keep them to plain characters.
safe_path='^[A-Za-z0-9._/+-]+$'
[[ $remote_bin =~ $safe_path ]] || die "--remote-bin '$remote_bin' has characters other than letters, digits and ._/+-"
[[ $remote_dir =~ $safe_path ]] || die "--remote-dir '$remote_dir' has characters other than letters, digits and ._/+-"

# Hosts file → parallel arrays; every line is checked before anything runs.
entries=() users_hosts=() ports=() host_jobs=() host_workers=() slugs=()
lineno=0
while IFS= read -r line || [[ -n $line ]]; do
    lineno=$((lineno + 1))
    line=${line%%#*}
    read -r -a fields <<<"$line" || true
    [[ ${#fields[@]} -gt 0 ]] || continue
    entry=${fields[0]} j=$jobs k=$workers
    [[ $entry =~ ^(([A-Za-z0-9._-]+)@)?([A-Za-z0-9._-]+|\[[0-9A-Fa-f:]+\])(:([0-9]+))?$ ]] \
        || die "$hosts_file:$lineno: '$entry' is not [user@]host[:port]"
    uh=${BASH_REMATCH[1]}${BASH_REMATCH[3]} port=${BASH_REMATCH[5]:-22}
    uh=${uh//[\[\]]/}
    [[ $port -ge 1 && $port -le 65535 ]] || die "$hosts_file:$lineno: port $port out of range"
    for f in "${fields[@]:1}"; do
        case "$f" in
            jobs=*) j=${f#jobs=}; [[ $j =~ ^[1-9][0-9]*$ ]] || die "$hosts_file:$lineno: bad '$f' (jobs=POSITIVE_INTEGER)" ;;
            workers=*) k=${f#workers=}; [[ $k =~ ^[1-9][0-9]*$ ]] || die "$hosts_file:$lineno: bad '$f' (workers=POSITIVE_INTEGER)" ;;
            *) die "$hosts_file:$lineno: unknown field '$f' (jobs=J, workers=K)" ;;
        esac
    done
    slug=$(tr -c 'A-Za-z0-9._-' '_' <<<"${uh}_$port" | sed 's/_$//')
    for s in "${slugs[@]}"; do [[ $s != "$slug" ]] || die "$hosts_file:$lineno: '$entry' is listed twice"; done
    entries+=("$entry") users_hosts+=("$uh") ports+=("$port") host_jobs+=("$j") host_workers+=("$k") slugs+=("$slug")
done <"$hosts_file"
[[ ${#entries[@]} -gt 0 ]] || die "hosts file '$hosts_file' lists no hosts"

coord_host="" coord_port=""
if [[ $action == start ]]; then
    [[ -n $connect ]] || die "start needs --connect tcp://HOST:PORT (the coordinator's address)"
    [[ $connect =~ ^tcp://(\*|0\.0\.0\.0|\[::\]):[0-9]+$ ]] \
        && die "'$connect' is a bind address; give the coordinator's reachable host name or IP"
    [[ $connect =~ ^tcp://([A-Za-z0-9._-]+|\[[0-9A-Fa-f:]+\]):([0-9]+)$ ]] \
        || die "cannot parse coordinator address '$connect' (expected tcp://HOST:PORT)"
    coord_host=${BASH_REMATCH[1]} coord_port=${BASH_REMATCH[2]}
    coord_host=${coord_host//[\[\]]/}
    [[ $coord_port -ge 1 && $coord_port -le 65535 ]] || die "coordinator port $coord_port out of range in '$connect'"
    if [[ -n $secret || -n $server_key ]]; then
        [[ -n $secret && -n $server_key ]] || die "CURVE needs both --curve-secret and --curve-server-key"
        [[ -r $secret ]] || die "cannot read --curve-secret '$secret'"
        [[ -r $server_key ]] || die "cannot read --curve-server-key '$server_key'"
        if [[ $(stat -c %a "$secret") != 600 && $(stat -c %a "$secret") != 400 ]]; then
            echo "launch.sh: warning: $secret is readable by others (mode $(stat -c %a "$secret")); chmod 600 it" >&2
        fi
    fi
    if [[ $check == 1 ]]; then
        getent hosts "$coord_host" >/dev/null || die "coordinator host '$coord_host' does not resolve"
        # shellcheck disable=SC2016  # $1/$2 expand in the inner shell
        timeout 5 bash -c ': >"/dev/tcp/$1/$2"' _ "$coord_host" "$coord_port" 2>/dev/null \
            || die "coordinator $connect is not reachable from $(hostname) (no TCP listener; start it first or pass --no-check)"
    fi
fi

# --- remote side -----------------------------------------------------------------
# run_remote INDEX SCRIPT ARGS...: runs SCRIPT with bash on host INDEX; SCRIPT
# comes on stdin, ARGS (plain words, %q-quoted) on the remote command line.
run_remote() {
    local i=$1 script=$2; shift 2
    local q=""
    [[ $# -gt 0 ]] && q=$(printf ' %q' "$@")
    ssh "${ssh_opts[@]}" -p "${ports[$i]}" "${users_hosts[$i]}" "bash -s --$q" <<<"$script"
}

# copy_secret INDEX LOCAL_FILE REMOTE_NAME: the file's bytes go through ssh's
# stdin into REMOTE_DIR/REMOTE_NAME, created 0600 (umask) before any byte lands.
copy_secret() {
    local i=$1 file=$2 name=$3 dir
    dir=$(remote_state_dir "$i")
    ssh "${ssh_opts[@]}" -p "${ports[$i]}" "${users_hosts[$i]}" \
        "umask 077 && mkdir -p $(printf %q "$dir") && cat >$(printf %q "$dir/$name.tmp") && mv -f $(printf %q "$dir/$name.tmp") $(printf %q "$dir/$name")" <"$file"
}

remote_state_dir() { echo "$remote_dir/${slugs[$1]}"; }

# Remote scripts: positional arguments only, no interpolation from this side.
read -r -d '' start_script <<'REMOTE' || true
set -euo pipefail
dir=$1 bin=$2 connect=$3 chost=$4 cport=$5 jobs=$6 workers=$7 slug=$8 curve=$9 check=${10}
mkdir -p "$dir"
if [[ $bin == */* ]]; then
    [[ -x $bin ]] || { echo "oversweep binary '$bin' not found or not executable on $(hostname)"; exit 3; }
else
    bin=$(command -v "$bin") || { echo "'$2' not on PATH on $(hostname) (PATH=$PATH); pass --remote-bin /full/path"; exit 3; }
fi
for f in "$dir"/worker-*.pid; do
    [[ -e $f ]] || continue
    if kill -0 "$(cat "$f")" 2>/dev/null; then echo "workers already running in $dir (launch.sh stop first)"; exit 4; fi
done
if [[ $check == 1 ]] && ! timeout 5 bash -c ': >"/dev/tcp/$1/$2"' _ "$chost" "$cport" 2>/dev/null; then
    echo "$(hostname) cannot reach the coordinator $connect"; exit 5
fi
if [[ $jobs == auto ]]; then
    jobs=$(( $(nproc) / workers )); [[ $jobs -ge 1 ]] || jobs=1
fi
keys=()
[[ $curve == 1 ]] && keys=(--curve-secret "$dir/worker.key" --curve-server-key "$dir/server.pub")
for w in $(seq "$workers"); do
    log=$dir/worker-$w.log
    echo "$(date -u +%FT%TZ) starting: $bin worker --connect $connect --jobs $jobs --name $(hostname)-$slug-$w" >>"$log"
    nohup setsid "$bin" worker --connect "$connect" --jobs "$jobs" --name "$(hostname)-$slug-$w" "${keys[@]}" \
        </dev/null >>"$log" 2>&1 &
    echo $! >"$dir/worker-$w.pid"
    echo "worker $w pid $! jobs $jobs log $log"
done
REMOTE

read -r -d '' stop_script <<'REMOTE' || true
set -uo pipefail
dir=$1 grace=$2
pids=()
for f in "$dir"/worker-*.pid; do
    [[ -e $f ]] || continue
    pid=$(cat "$f")
    # Only signal a live process that is still an oversweep worker (pids get reused).
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q ' worker '; then
        kill -TERM "$pid" && pids+=("$pid")
    fi
    rm -f "$f"
done
end=$((SECONDS + grace))
for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [[ $SECONDS -lt $end ]]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; echo "pid $pid: SIGKILL after ${grace}s"; else echo "pid $pid: stopped"; fi
done
[[ ${#pids[@]} -gt 0 ]] || echo "no running workers"
rm -f "$dir/worker.key" "$dir/server.pub"
REMOTE

read -r -d '' status_script <<'REMOTE' || true
set -uo pipefail
dir=$1
n=0
for f in "$dir"/worker-*.pid; do
    [[ -e $f ]] || continue
    n=$((n + 1)); pid=$(cat "$f"); w=$(basename "$f" .pid)
    if kill -0 "$pid" 2>/dev/null; then state="running (pid $pid)"; else state="exited"; fi
    echo "$w: $state; last log line: $(tail -n 1 "$dir/$w.log" 2>/dev/null)"
done
[[ $n -gt 0 ]] || echo "no workers started here"
REMOTE

# --- subcommands -----------------------------------------------------------------
prefix() { local l; while IFS= read -r l; do echo "$1: $l"; done <<<"$2"; }
failed=()
for i in "${!entries[@]}"; do
    e=${entries[$i]} dir=$(remote_state_dir "$i")
    case "$action" in
        start)
            curve=0
            if [[ -n $secret ]]; then
                curve=1
                if ! copy_secret "$i" "$secret" worker.key || ! copy_secret "$i" "$server_key" server.pub; then
                    echo "$e: FAILED to copy the CURVE keys over ssh" >&2; failed+=("$e"); continue
                fi
            fi
            if out=$(run_remote "$i" "$start_script" "$dir" "$remote_bin" "$connect" "$coord_host" "$coord_port" \
                "${host_jobs[$i]:-auto}" "${host_workers[$i]}" "${slugs[$i]}" "$curve" "$check" 2>&1); then
                prefix "$e" "$out"
            else
                echo "$e: FAILED: $out" >&2; failed+=("$e")
            fi
            ;;
        stop)
            if out=$(run_remote "$i" "$stop_script" "$dir" "$grace" 2>&1); then prefix "$e" "$out"
            else echo "$e: FAILED: $out" >&2; failed+=("$e"); fi
            ;;
        status)
            if out=$(run_remote "$i" "$status_script" "$dir" 2>&1); then prefix "$e" "$out"
            else echo "$e: unreachable: $out" >&2; failed+=("$e"); fi
            ;;
        logs)
            mkdir -p "$log_dir"
            if ssh "${ssh_opts[@]}" -p "${ports[$i]}" "${users_hosts[$i]}" \
                "cat $(printf %q "$dir")/worker-*.log 2>/dev/null" >"$log_dir/${slugs[$i]}.log"; then
                echo "$e: $log_dir/${slugs[$i]}.log ($(wc -l <"$log_dir/${slugs[$i]}.log") lines)"
            else echo "$e: FAILED to fetch logs" >&2; failed+=("$e"); fi
            ;;
    esac
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "launch.sh $action: ${#failed[@]} of ${#entries[@]} host(s) failed: ${failed[*]}" >&2
    exit 1
fi
