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
common=(-c release --disable-swift-testing)

if [ "$which" = all ] || [ "$which" = address ]; then
  echo "== AddressSanitizer: whole test suite"
  log=.build/asan-tests.log; mkdir -p .build
  # halt_on_error: the first memory error fails the run. LeakSanitizer runs at exit with exitcode=0:
  # the run fails on *direct* leaks only (counted below). Indirect leaks are objects kept alive by a
  # reference cycle that nothing else points to (XCTest teardown blocks that capture their test case
  # make such cycles); they are counted and shown, not failed on.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=0} \
  LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tools/lsan.supp:print_suppressions=0:exitcode=0} \
  SWIFT_BACKTRACE=enable=no \
    swift test "${common[@]}" --sanitize=address --scratch-path .build/asan ${ASAN_FILTER:+--filter "$ASAN_FILTER"} 2>&1 | tee "$log" | grep -E 'Executed|error:|ERROR: AddressSanitizer|SUMMARY:|failed' | tail -20
  tests=${PIPESTATUS[0]}
  direct=$(grep -c '^Direct leak' "$log"); indirect=$(grep -c '^Indirect leak' "$log")
  echo "   leaks: $direct direct (fail), $indirect indirect (reference cycles, reported only)"
  if [ "$tests" -ne 0 ] || [ "$direct" -ne 0 ] || grep -q 'ERROR: AddressSanitizer' "$log"; then
    echo "AddressSanitizer run FAILED (log: $log)"; status=1
  else
    echo "AddressSanitizer run clean (log: $log)"
  fi
fi

if [ "$which" = all ] || [ "$which" = thread ]; then
  filter=${TSAN_FILTER:-ThreadPool|ThreadSafety}
  echo "== ThreadSanitizer: tests matching '$filter'"
  log=.build/tsan-tests.log; mkdir -p .build
  TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} SWIFT_BACKTRACE=enable=no \
    swift test "${common[@]}" --sanitize=thread --scratch-path .build/tsan --filter "$filter" 2>&1 | tee "$log" | grep -E 'Executed|error:|WARNING: ThreadSanitizer|SUMMARY:|failed' | tail -20
  if [ "${PIPESTATUS[0]}" -ne 0 ] || grep -q 'WARNING: ThreadSanitizer' "$log"; then
    echo "ThreadSanitizer run FAILED (log: $log)"; status=1
  else
    echo "ThreadSanitizer run clean (log: $log)"
  fi
fi
exit $status
