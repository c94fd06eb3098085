#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the lit suites
# (dialects, frontend, passes, conversions, driver errors, runtime unit tests)
# and the end-to-end numeric tests on the host and under qemu-aarch64, and the tokenizer against
# Hugging Face tokenizers (npm packages, see scripts/install-npm-deps.sh).
# Ends with the line "N passed, N failed, N skipped".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MBERT_BUILD_DIR:-$root/build}"

bash "$root/scripts/install-deps.sh"
bash "$root/scripts/install-npm-deps.sh"
bash "$root/scripts/build.sh"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
/usr/lib/llvm-22/bin/lit -sv "$build/test" "$@" | tee "$log" || status=$?

# lit's summary lines read "  Passed: 12 (80.00%)", padded before the colon
# when several kinds are listed; absent kinds count 0.
count() { sed -n "s/^ *$1 *: *\([0-9]*\).*/\1/p" "$log" | head -n 1 | grep . || echo 0; }
passed=$(( $(count Passed) + $(count "Expectedly Failed") ))
failed=$(( $(count Failed) + $(count "Unexpectedly Passed") + $(count Unresolved) + $(count "Timed Out") ))
skipped=$(( $(count Unsupported) + $(count Excluded) + $(count Skipped) ))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # lit itself failed (configuration error): never report success
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
