#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer (+ LeakSanitizer) and the thread-pool and
# concurrency tests under ThreadSanitizer. Each sanitizer builds in its own scratch folder
# (.build/asan, .build/tsan) so the normal release build in .build/ is not invalidated.
#
#   tools/sanitizers.sh            # both
#   tools/sanitizers.sh address    # ASan only (whole suite)
#   tools/sanitizers.sh thread     # TSan only (TSAN_FILTER, default: thread pool + thread-safety tests)
#
# Release configuration (-O / -Ounchecked, as shipped): a debug build of the whole suite is several
# times slower to run, and the sanitizers instrument optimised code just as well.
# Exit status: 0 when every selected run passes with no sanitizer report, else 1.
set -uo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
status=0
common=(-c release -Xswiftc -enable-testing --disable-swift-testing)

if [ "$which" = all ] || [ "$which" = address ]; then
  echo "== AddressSanitizer: whole test suite"
  log=.build/asan-tests.log; mkdir -p .build
  # halt_on_error: the first report fails the run; detect_leaks: LeakSanitizer at exit.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0} \
  LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tools/lsan.supp:print_suppressions=0} \
    swift test "${common[@]}" --sanitize=address --scratch-path .build/asan ${ASAN_FILTER:+--filter "$ASAN_FILTER"} 2>&1 | tee "$log" | grep -E 'Executed|error:|ERROR:|SUMMARY:|failed' | tail -20
  if [ "${PIPESTATUS[0]}" -ne 0 ] || grep -q -E 'ERROR: (AddressSanitizer|LeakSanitizer)' "$log"; then
    echo "AddressSanitizer run FAILED (log: $log)"; status=1
  else
    echo "AddressSanitizer run clean (log: $log)"
  fi
fi

if [ "$which" = all ] || [ "$which" = thread ]; then
  filter=${TSAN_FILTER:-ThreadPool|ThreadSafety}
  echo "== ThreadSanitizer: tests matching '$filter'"
  log=.build/tsan-tests.log; mkdir -p .build
  TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
    swift test "${common[@]}" --sanitize=thread --scratch-path .build/tsan --filter "$filter" 2>&1 | tee "$log" | grep -E 'Executed|error:|WARNING: ThreadSanitizer|SUMMARY:|failed' | tail -20
  if [ "${PIPESTATUS[0]}" -ne 0 ] || grep -q 'WARNING: ThreadSanitizer' "$log"; then
    echo "ThreadSanitizer run FAILED (log: $log)"; status=1
  else
    echo "ThreadSanitizer run clean (log: $log)"
  fi
fi
exit $status
