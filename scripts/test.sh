#!/usr/bin/env bash
# Runs tests with node's test runner through tsx, by tier (the file name says what a test needs):
#   *.test.ts       unit: in-process, no child process, no network, at most one small model
#   *.int.test.ts   integration: real models, SQLite, OpenCV, in-process
#   *.e2e.test.ts   end to end: child processes, broker, browser, sshd, npm, Python
# Usage: scripts/test.sh [--tiers unit,int,e2e] [files or folders...]
#   npm test            = --tiers unit,int   (two files at a time)
#   npm run test:e2e    = --tiers e2e        (one file at a time: brokers, agents, compilers)
#   npm run test:all    = --tiers unit,int,e2e
# Folders are expanded to the selected tiers (all tiers when --tiers is not given); a file named
# on the command line always runs. Two files are left out of folder expansion and run only when
# named or asked for: test/tensorrt (needs a Jetson/GPU with the addon: `npm run test:tensorrt`)
# and the release install test (npm pack + a 4-8 min OpenCV compile: ARCEDGE_TEST_INSTALL=1,
# which .ci/run sets).
# With CI=true a skipped test fails the run: every dependency a test can skip on (openssl,
# systemd-analyze, mosquitto, tmpfs mounts as root, the optional cipher build) is installed by
# scripts/setup.sh, so a skip in CI means setup is broken, not that the test passed.
# Node 20's `node --test` does not discover .ts files itself, so the globs are expanded here.
set -euo pipefail
shopt -s globstar nullglob
cd "$(dirname "$0")/.."

tiers=""
if [ "${1:-}" = "--tiers" ]; then tiers="$2"; shift 2; fi
explicitTiers="$tiers"
[ -n "$tiers" ] || tiers="unit,int,e2e"
if [ "$#" -eq 0 ]; then set -- test; fi

tierOf() {
  case "$1" in
    *.e2e.test.ts) echo e2e ;;
    *.int.test.ts) echo int ;;
    *) echo unit ;;
  esac
}
wanted() { [[ ",$tiers," == *",$(tierOf "$1"),"* ]]; }
install_test=test/package/install.e2e.test.ts

files=()
for arg in "$@"; do
  if [ -d "$arg" ]; then
    for f in "${arg%/}"/**/*.test.ts; do
      wanted "$f" || continue
      [[ "$f" == test/tensorrt/* && "$arg" != test/tensorrt* ]] && continue
      [[ "$f" == "$install_test" && "${ARCEDGE_TEST_INSTALL:-}" != 1 ]] && continue
      files+=("$f")
    done
  else
    files+=("$arg")
  fi
done
if [ "${#files[@]}" -eq 0 ]; then echo "no test files (tiers ${explicitTiers:-all}) under: $*" >&2; exit 1; fi

# Two files at a time where memory allows: unit and integration files peak at ~0.5 GB each (one
# OpenCV binding and a few ONNX sessions per process), so two fit a 2-core CI machine and
# halve the wall time. e2e files start agents, brokers and compilers of their own and take
# free ports, but each already runs several processes: one at a time keeps them inside their
# timeouts. ARCEDGE_TEST_JOBS overrides either.
jobs=1
[[ ",$tiers," == *",e2e,"* ]] || jobs=2
jobs="${ARCEDGE_TEST_JOBS:-$jobs}"

# A TAP copy of the results (for the skips CI refuses) and each file's wall time and peak RSS
# (scripts/test-clock.mjs), read after the run by scripts/test-summary.mjs.
report="$(mktemp -t arcedge-test-XXXXXX.tap)"
export ARCEDGE_TEST_TIMES="$(mktemp -t arcedge-test-XXXXXX.times)"
trap 'rm -f "$report" "$ARCEDGE_TEST_TIMES"' EXIT
reporter=spec
[ -t 1 ] || reporter=tap
start=$(date +%s)
status=0
# --expose-gc: the leak tests force a collection before measuring RSS.
node --expose-gc --import tsx --import ./scripts/test-clock.mjs --test --test-concurrency="$jobs" \
  --test-reporter="$reporter" --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$report" \
  "${files[@]}" || status=$?
wall=$(( $(date +%s) - start ))

node scripts/test-summary.mjs "$report" "$ARCEDGE_TEST_TIMES" "$wall" "$jobs" || status=$?
exit "$status"
