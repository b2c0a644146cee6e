#!/usr/bin/env bash
# Runs every test under test/ with node's test runner through tsx.
# Node 20's `node --test` does not discover .ts files itself, so we expand the glob here.
# Usage: scripts/test.sh [files or folders...]   (default: all of test/)
set -euo pipefail
shopt -s globstar nullglob
cd "$(dirname "$0")/.."
files=()
if [ "$#" -eq 0 ]; then set -- test; fi
for arg in "$@"; do
  if [ -d "$arg" ]; then files+=("$arg"/**/*.test.ts); else files+=("$arg"); fi
done
# test/tensorrt needs a Jetson/GPU with the addon built: run it with `npm run test:tensorrt`.
filtered=()
for f in "${files[@]}"; do [[ "$f" == test/tensorrt/* && "$#" -eq 1 && "$1" == test ]] || filtered+=("$f"); done
if [ "${#filtered[@]}" -eq 0 ]; then echo "no test files under: $*" >&2; exit 1; fi
# One file at a time keeps peak memory (models, OpenCV) bounded on 2-core CI machines.
# --expose-gc: the leak tests force a collection before measuring RSS.
exec node --expose-gc --import tsx --test --test-concurrency=1 "${filtered[@]}"
