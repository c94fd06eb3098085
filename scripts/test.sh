#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the lit suites
# (dialects, frontend, passes, conversions, driver errors, runtime unit tests)
# and the end-to-end numeric tests on the host and under qemu-aarch64, and the tokenizer against
# Hugging Face tokenizers (npm packages, see scripts/install-npm-deps.sh).
#
#   scripts/test.sh [--sanitize] [LIT ARGS...]
#
# --sanitize adds the sanitized build (scripts/build.sh --sanitize, in
# build-sanitize/): the lit suites again on it, where the tests marked `UNSUPPORTED: sanitize`
# are skipped (README.md says which), then each fuzz target for MBERT_FUZZ_SECONDS seconds
# (default 60), one test each. LIT ARGS go to both lit runs.
# Ends with the line "N passed, N failed, N skipped" summing everything.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MBERT_BUILD_DIR:-$root/build}"
sanitize_build="${MBERT_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
sanitize=0
if [ "${1:-}" = "--sanitize" ]; then
  sanitize=1
  shift
fi

bash "$root/scripts/install-deps.sh"
bash "$root/scripts/install-npm-deps.sh"
bash "$root/scripts/build.sh"

logs=()
trap 'rm -f "${logs[@]}"' EXIT
passed=0 failed=0 skipped=0 status=0

# Runs lit on BUILD/test and adds its counts. lit's summary lines read "  Passed: 12 (80.00%)",
# padded before the colon when several kinds are listed; absent kinds count 0.
run_lit() { # BUILD [LIT ARGS...]
  local test_dir="$1/test" log lit_status=0
  shift
  log="$(mktemp)"
  logs+=("$log")
  /usr/lib/llvm-22/bin/lit -sv "$test_dir" "$@" | tee "$log" || lit_status=$?
  count() { sed -n "s/^ *$1 *: *\([0-9]*\).*/\1/p" "$log" | head -n 1 | grep . || echo 0; }
  local run_failed=$(( $(count Failed) + $(count "Unexpectedly Passed") + $(count Unresolved) \
    + $(count "Timed Out") ))
  if [ "$lit_status" -ne 0 ] && [ "$run_failed" -eq 0 ]; then
    run_failed=1 # lit itself failed (configuration error): never report success
  fi
  passed=$(( passed + $(count Passed) + $(count "Expectedly Failed") ))
  failed=$(( failed + run_failed ))
  skipped=$(( skipped + $(count Unsupported) + $(count Excluded) + $(count Skipped) ))
  if [ "$lit_status" -ne 0 ]; then
    status=$lit_status
  fi
}

run_lit "$build" "$@"
if [ "$sanitize" -eq 1 ]; then
  bash "$root/scripts/build.sh" --sanitize
  run_lit "$sanitize_build" "$@"
  for target in $(bash "$root/scripts/fuzz.sh" --list); do
    if MBERT_SANITIZE_BUILD_DIR="$sanitize_build" \
        bash "$root/scripts/fuzz.sh" "$target" "${MBERT_FUZZ_SECONDS:-60}"; then
      passed=$(( passed + 1 ))
    else
      failed=$(( failed + 1 ))
      status=1
    fi
  done
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
