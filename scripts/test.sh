#!/usr/bin/env bash
# The README's test command: installs prerequisites, builds everything (the native shim included)
# and runs the test suite. Ends with a one-line summary "N passed, N failed, N skipped".
#
# Arguments go to `dotnet test`; every test class has one Category trait (docs/testing.md):
#   bash scripts/test.sh --filter Category=Unit            fast: no Python, no ../shared data, no child process
#   bash scripts/test.sh --filter Category=Parity          against the PyTorch reference (/usr/bin/python3)
#   bash scripts/test.sh --filter Category=Integration     ../shared data, child processes, slow tests
#   bash scripts/test.sh --filter "Category!=Integration"  everything but those
#
# TRANSFERKIT_REQUIRE_ALL=1 (the default here, as in CI) makes a missing prerequisite (PyTorch, the
# ../shared data sets or weights, Chromium for the report render test) fail the tests that need it instead of skipping them, so that a
# run cannot pass by silently skipping; TRANSFERKIT_REQUIRE_ALL=0 bash scripts/test.sh allows skips.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --python --browser
export TRANSFERKIT_REQUIRE_ALL="${TRANSFERKIT_REQUIRE_ALL:-1}"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test TransferKit.sln -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# dotnet test prints one "Passed!/Failed!/Skipped!  - Failed: F, Passed: P, Skipped: S, Total: T" line per test assembly
# (Skipped! when every test of an assembly skipped, as the CUDA tests do without a GPU).
summary=$(grep -E '(Passed|Failed|Skipped)! +- +Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" |
  sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/' |
  awk '{f+=$1; p+=$2; s+=$3} END {if (NR > 0) printf "%d passed, %d failed, %d skipped\n", p, f, s}')
if [[ -n "$summary" ]]; then echo "$summary"; fi
exit "$status"
