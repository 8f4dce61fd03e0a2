# Shared by the cluster scripts (sourced, not run): the one-line error exit
# and the checks on option values that every launcher does.
# shellcheck shell=bash

# The name errors start with; a script may set it after sourcing this file.
script_name=$(basename "$0")

# die MESSAGE...: one line naming the script and the problem, exit status 2.
die() { echo "$script_name: $*" >&2; exit 2; }

# optarg "$@" inside an option loop: the value after the option in $1, or die.
#   --hosts) hosts_file=$(optarg "$@"); shift 2 ;;
# (set -e makes the script exit with die's status when the value is missing.)
optarg() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value (see --help)"; printf '%s\n' "$2"; }

# need_positive_int OPTION VALUE: VALUE is 1, 2, 3 …
need_positive_int() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, got '$2'"; }

# need_seconds OPTION VALUE: VALUE is a whole number of seconds, 0 allowed.
need_seconds() { [[ $2 =~ ^[0-9]+$ ]] || die "$1 must be seconds, got '$2'"; }

# need_port OPTION VALUE: VALUE is a TCP port, 1..65535.
need_port() { [[ $2 =~ ^[0-9]+$ && $2 -ge 1 && $2 -le 65535 ]] || die "$1 must be 1..65535, got '$2'"; }
