#!/usr/bin/env bash
# Runs the fuzz targets (built by Fuzz/build.sh) one after another.
#
#   Fuzz/run.sh --seconds 20              # CI: every target for 20 s (builds them first if needed)
#   Fuzz/run.sh --seconds 600 jpeg png    # a longer run of some targets
#
# Each target starts from its committed seeds (Fuzz/Corpus/<target>, read only) plus the inputs it
# found earlier (Fuzz/.build/corpus/<target>, not committed). A crash, trap, sanitizer report,
# timeout (>10 s for one input) or out-of-memory (>2 GB) stops that target, leaves the input in
# Fuzz/.build/crashes/<target>/ and makes this script exit 1 after the other targets have run.
# Reproduce one with: Fuzz/.build/bin/fuzz-<target> Fuzz/.build/crashes/<target>/<file>
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=20
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -eq 0 ] && targets=(csv weightfile jpeg png)

Fuzz/build.sh "${targets[@]}" || exit 2
# Swift's own crash reporter would run inside the ASan process and trip over its own memory
# reads; with it off a Swift trap reaches libFuzzer as a plain "deadly signal" with a stack.
export SWIFT_BACKTRACE=enable=no

failed=()
for t in "${targets[@]}"; do
  corpus=Fuzz/.build/corpus/$t crashes=Fuzz/.build/crashes/$t
  mkdir -p "$corpus" "$crashes"
  log=Fuzz/.build/fuzz-$t.log
  echo "== fuzz-$t for ${seconds}s"
  Fuzz/.build/bin/fuzz-"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -dict="Fuzz/Dictionaries/$t.dict" -artifact_prefix="$crashes/" \
    "$corpus" "Fuzz/Corpus/$t" >"$log" 2>&1
  status=$?
  # The one-line summary: executions, speed, coverage, corpus size.
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "   exit $status, ${runs:-?} executions, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) files (log: $log)"
  if [ $status -ne 0 ]; then
    failed+=("$t")
    grep -m1 -E 'ERROR: (libFuzzer|AddressSanitizer)|Fatal error|SUMMARY' "$log" | sed 's/^/   /'
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "FAILED: ${failed[*]} (inputs in Fuzz/.build/crashes/)"
  exit 1
fi
echo "all fuzz targets ran clean"
