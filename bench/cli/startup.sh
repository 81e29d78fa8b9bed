#!/usr/bin/env bash
# Start-up cost of the two commands on a pod's or a script's path, as instructions executed per
# process (valgrind callgrind's "Collected"), which a shared, loaded machine does not disturb the
# way it disturbs wall-clock time (V8's JIT makes counts vary by about ±1% between runs).
#
# usage: npm run build && bash bench/cli/startup.sh [BASELINE_CLI] [RUNS]
#   BASELINE_CLI: another build's dist/sidecar-kit.js (e.g. of main), measured alternately
#   RUNS: rounds (default 3); each process takes ~10 s of CPU under valgrind
# needs: valgrind (Debian package)
set -euo pipefail
cd "$(dirname "$0")/../.."
baseline="${1:-}"
runs="${2:-3}"
command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)"; exit 1; }
ipt=(-n -p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x '' -b '*' -d 15090,15021,15020 --ipv6 false)
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'; }
declare -A sum
add() { sum[$1]=$(( ${sum[$1]:-0} + $2 )); echo "$1: $2"; }
for _ in $(seq "$runs"); do
  add 'node -e 0' "$(count node -e 0)"
  for cli in dist/sidecar-kit.js ${baseline:+"$baseline"}; do
    add "istio-iptables --dry-run ($cli)" "$(count node "$cli" istio-iptables "${ipt[@]}")"
    add "kube-inject -f examples/shop.yaml ($cli)" "$(count node "$cli" kube-inject -f examples/shop.yaml)"
  done
done
echo "means over $runs runs (million instructions):"
for k in "${!sum[@]}"; do awk -v s="${sum[$k]}" -v n="$runs" -v k="$k" 'BEGIN { printf "  %8.1f  %s\n", s / n / 1e6, k }'; done | sort -k2
