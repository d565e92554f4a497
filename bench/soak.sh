#!/usr/bin/env bash
# Soak test: runs `facecli detect` and then `facecli predict` (detection + alignment + backbone +
# heads, the default model) on one image N times each in a single process (decode, work and JSON
# output per frame, as a long-running job would) and samples the process's resident memory once a
# second. Prints RSS at the first sample, after warm-up (first 10% of the frames), at the middle and
# at the end, and the growth from warm-up to end and over the second half, which must stay near
# zero (no leak).
#
#   bench/soak.sh [--frames N] [--command detect|predict|both] [--threads T] [--image PATH] [--binary PATH]
#   bench/soak.sh --frames 10000                    # the issue's figure
#
# Defaults: 2000 frames, both commands, all cores, demo/astronaut.png (a face, 512×512),
# .build/release/facecli. Exit status: 0 when every command's growth over the second half is
# ≤ SOAK_MAX_GROWTH_KB (default 2048), else 1.
set -euo pipefail
cd "$(dirname "$0")/.."
frames=2000 threads= image=demo/astronaut.png binary=.build/release/facecli commands=(detect predict)
while [ $# -gt 0 ]; do
  case "$1" in
    --frames) frames=$2; shift 2 ;;
    --command) case "$2" in both) commands=(detect predict) ;; detect|predict) commands=("$2") ;;
                 *) echo "bench/soak.sh: --command is detect, predict or both" >&2; exit 64 ;; esac; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench/soak.sh: unknown argument '$1'" >&2; exit 64 ;;
  esac
done
[ -x "$binary" ] || { echo "bench/soak.sh: $binary not built (swift build -c release)" >&2; exit 66; }
[ -f "$image" ] || { echo "bench/soak.sh: $image: no such file" >&2; exit 66; }

mkdir -p .build; work=$(mktemp -d .build/soak.XXXXXX); trap 'rm -rf "$work"' EXIT
soak() {
  local command=$1
  # The same path N times: one process, N frames. Each output line marks one finished frame.
  args=("$command" ${threads:+--threads "$threads"})
  for ((i = 0; i < frames; i++)); do args+=("$image"); done
  : > "$work/out"   # exists before the sampling loop counts its lines
  "$binary" "${args[@]}" > "$work/out" 2> "$work/err" &
  pid=$!
  start=$(date +%s.%N)
  : > "$work/rss"
  while kill -0 $pid 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status 2>/dev/null || true)
    done_frames=$(wc -l < "$work/out")
    [ -n "$rss" ] && echo "$(date +%s.%N) $done_frames $rss" >> "$work/rss"
    sleep 1
  done
  wait $pid || { echo "facecli $command failed:"; head -5 "$work/err"; return 1; }
  end=$(date +%s.%N)
  produced=$(wc -l < "$work/out")
  [ "$produced" -eq "$frames" ] || { echo "expected $frames result lines, got $produced"; return 1; }

  # RSS at the first sample past 10% of the frames (warm-up), past 50%, and the last sample.
  read -r first warm mid last peak samples < <(awk -v n="$frames" '
    { f = $2; r = $3; if (r > peak) peak = r; count++; if (!s) s = r
      if (!w && f >= 0.1 * n) w = r
      if (!m && f >= 0.5 * n) m = r
      l = r }
    END { print s, (w ? w : l), (m ? m : l), l, peak, count }' "$work/rss")
  seconds=$(echo "$end - $start" | bc)
  growth=$((last - warm)) late=$((last - mid))
  printf 'soak %s: %d frames of %s in %.1f s (%.1f frames/s), %d RSS samples\n' "$command" "$frames" "$image" "$seconds" \
    "$(echo "$frames / $seconds" | bc -l)" "$samples"
  printf 'RSS  start (first sample):  %6d KB\n     after warm-up (10%%):   %6d KB\n     middle (50%%):          %6d KB\n     end:                    %6d KB\n     peak:                   %6d KB\n' \
    "$first" "$warm" "$mid" "$last" "$peak"
  printf 'growth from warm-up to end: %+d KB; over the second half: %+d KB\n' "$growth" "$late"
  # A leak grows with every frame, so it shows over the second half as much as over the first; a
  # one-off step (an allocator arena, a pool thread) does not. Fail on the second half.
  limit=${SOAK_MAX_GROWTH_KB:-2048}
  if [ "$late" -gt "$limit" ]; then echo "FAIL: resident memory grew by more than $limit KB over the second half"; return 1; fi
  echo "flat: second-half growth within $limit KB"
}
status=0
for command in "${commands[@]}"; do soak "$command" || status=1; done
exit $status
