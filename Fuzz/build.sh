#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/Targets/ into Fuzz/.build/bin/.
#
# SwiftPM cannot build them: `-sanitize=fuzzer` needs unsafeFlags on the root package, which would
# instrument (and slow down) every normal build. So this script compiles the library modules that
# the targets need straight from Sources/ with swiftc, each as a static library instrumented for
# coverage and AddressSanitizer, then links one executable per target (libFuzzer supplies main).
#
#   Fuzz/build.sh              # every target
#   Fuzz/build.sh csv jpeg     # only these targets (modules are rebuilt only when a source changed)
#
# Modules are built with -O (not the -Ounchecked of release builds), so that integer overflow and
# out-of-range indexing trap: the fuzzer then reports bugs that -Ounchecked would turn into silent
# memory corruption.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/Fuzz/.build
mkdir -p "$OUT/modules" "$OUT/bin"

SANITIZE=${FUZZ_SANITIZE:-fuzzer,address}
COMMON=(-O -g -use-ld=lld -sanitize="$SANITIZE" -parse-as-library -swift-version 5
        -I "$ROOT/Sources/CBLAS" -I "$ROOT/Sources/CTurboJPEG" -I "$ROOT/Sources/CPNG"
        -I "$OUT/modules")

# module name : source folder : module dependencies (for the link line)
MODULES=(
  "Support:Sources/Support"
  "Tensor:Sources/Tensor"
  "Layers:Sources/Layers"
  "ImageIO:Sources/ImageIO"
  "MTLNet:Sources/MTLNet"
)
# target : modules it links (in dependency order)
declare -A TARGET_MODULES=(
  [csv]="Support Tensor Layers ImageIO MTLNet"
  [weightfile]="Support Tensor Layers ImageIO MTLNet"
  [jpeg]="Support ImageIO"
  [png]="Support ImageIO"
)
# extra harness files per target
declare -A TARGET_EXTRA=(
  [jpeg]="Fuzz/Targets/ImageChecks.swift"
  [png]="Fuzz/Targets/ImageChecks.swift"
)
ALL_TARGETS=(csv weightfile jpeg png)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${ALL_TARGETS[@]}")

# The modules the requested targets need.
declare -A needed=()
for t in "${targets[@]}"; do
  [ -n "${TARGET_MODULES[$t]:-}" ] || { echo "Fuzz/build.sh: unknown target '$t' (targets: ${ALL_TARGETS[*]})" >&2; exit 64; }
  for m in ${TARGET_MODULES[$t]}; do needed[$m]=1; done
done

for entry in "${MODULES[@]}"; do
  name=${entry%%:*}; dir=${entry#*:}
  [ -n "${needed[$name]:-}" ] || continue
  lib=$OUT/modules/lib$name.a
  mapfile -t sources < <(find "$dir" -name '*.swift' | sort)
  # Rebuild when a source or this script is newer than the library, or an earlier module was rebuilt.
  if [ -f "$lib" ] && [ -z "${rebuilt:-}" ] && [ ! "$0" -nt "$lib" ] \
     && [ -z "$(find "$dir" -name '*.swift' -newer "$lib" | head -1)" ]; then
    continue
  fi
  echo "build module $name (${#sources[@]} files)"
  swiftc "${COMMON[@]}" -module-name "$name" -emit-library -static -emit-module \
    -emit-module-path "$OUT/modules/$name.swiftmodule" -o "$lib" "${sources[@]}" \
    || { rm -f "$lib"; exit 1; }   # a failed build may leave a library newer than its sources
  rebuilt=1
done

for t in "${targets[@]}"; do
  src=Fuzz/Targets/Fuzz$(echo "${t:0:1}" | tr a-z A-Z)${t:1}.swift
  # Static libraries go after their users on the link line: reverse the dependency order.
  libs=(); for m in ${TARGET_MODULES[$t]}; do libs=("$OUT/modules/lib$m.a" "${libs[@]}"); done
  bin=$OUT/bin/fuzz-$t
  if [ -f "$bin" ] && [ -z "${rebuilt:-}" ] && [ ! "$0" -nt "$bin" ] \
     && [ -z "$(find "$src" ${TARGET_EXTRA[$t]:-} -newer "$bin" | head -1)" ]; then
    continue
  fi
  echo "link fuzz-$t"
  swiftc "${COMMON[@]}" -module-name "Fuzz_$t" "$src" ${TARGET_EXTRA[$t]:-} "${libs[@]}" -o "$bin"
done
