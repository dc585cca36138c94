#!/usr/bin/env bash
# `npm run asan` — the native engine built with AddressSanitizer + UndefinedBehaviorSanitizer, running the
# parity, golden and fuzz suites. The package is copied to $ASAN_ROOT (default /tmp/fastrnn-asan; its
# node_modules is a link to this one), built there with node-gyp and the sanitizer flags — so this
# checkout's build/ is untouched — and vitest runs in the copy with libasan preloaded into Node.
# Any sanitizer report fails the run (halt_on_error); leak detection is off (Node does not free everything
# at exit by design). Needs gcc (or clang) with libasan and libubsan: build-essential on Debian/Ubuntu.
# Usage: scripts/asan.sh [vitest test files…]   (default: the parity, golden and fuzz suites; timing tests are
# left out: the sanitizers slow the engine several times over)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="${ASAN_ROOT:-/tmp/fastrnn-asan}"
mkdir -p "$root"
tar -C "$here" --exclude=./node_modules --exclude=./build --exclude=./.git --exclude=./dist -cf - . | tar -C "$root" -xf -
ln -sfn "$here/node_modules" "$root/node_modules"
cd "$root"
if [ ! -f build/Release/fastrnn.node ] || [ -n "$(find native binding.gyp -newer build/Release/fastrnn.node -print -quit)" ]; then
  CXXFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g" \
  LDFLAGS="-fsanitize=address,undefined" \
    npx node-gyp rebuild -j 2 >/dev/null
fi
asan="$(${CXX:-g++} -print-file-name=libasan.so)"
ubsan="$(${CXX:-g++} -print-file-name=libubsan.so)"
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
  tests=(test/backend/native-parity.test.ts test/backend/native-fuzz.test.ts test/backend/native-lstm-gru-fuzz.test.ts
         test/backend/native-linear.test.ts
         test/layers/golden-pytorch.test.ts test/layers/golden-packed.test.ts test/layers/golden-cells.test.ts
         test/hostile/fuzz-native.test.ts test/hostile/fuzz-layers.test.ts test/hostile/fuzz-models.test.ts)
fi
export LD_PRELOAD="$asan $ubsan"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
echo "sanitized addon: $root/build/Release/fastrnn.node (LD_PRELOAD=$LD_PRELOAD)"
npx vitest run "${tests[@]}"
