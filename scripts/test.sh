#!/usr/bin/env bash
# The project's test command (CI runs exactly this): installs/reuses everything, then
#   fast:  type-check, lint, unit tests (mocks) and policy tests, with coverage
#   slow:  the local environment (kcp, kwok clusters, PostgreSQL, the regions' Tekton processes), then
#          1. integration tests that bring their own stacks and backends (test/integration/), then the fault
#             tests (test/faults/: their own backend, on the emptied region clusters);
#          2. the main job (scripts/up.sh's rollout of every local region stack: a no-op when up.sh already
#             ran), the end-to-end tests against those regions (test/e2e/), and a preview of every local
#             stack that must show no changes, so the tests leave the user's deployment as they found it
# and closes with one "N passed, N failed" line. FAST_ONLY=1 skips the slow part (and needs no Go build).
set -uo pipefail
. "$(dirname "$0")/env.sh"
cd "$PROJECT_DIR"
# The fast tests need only the npm packages; the slow ones need the whole toolchain.
if [[ "${FAST_ONLY:-}" == 1 ]]; then scripts/install.sh --npm-only || exit 1; else scripts/install.sh || exit 1; fi

passed=0 failed=0
# run_node_tests LABEL FILES...: node's test runner; adds its pass/fail counts to the totals.
run_node_tests() {
  local label=$1 out; shift
  echo "== $label" >&2
  out=$(mktemp)
  "$@" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]} p f
  p=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$out" | tail -1); f=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$out" | tail -1)
  if [[ -z "$p" ]]; then f=$((${f:-0} + 1)); echo "!! $label produced no test summary" >&2; fi
  # A non-zero exit with no failing test (e.g. the coverage threshold) still fails the run.
  if (( rc != 0 && ${f:-0} == 0 )); then f=1; echo "!! $label exited $rc" >&2; fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  rm -f "$out"
}
check() { # check LABEL CMD...: a non-test step counted as one test
  echo "== $1" >&2; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "!! failed: $*" >&2; fi
}

check "type-check (tsc --noEmit)" npx tsc -p tsconfig.json
check "lint (eslint + prettier)" bash -c 'npx eslint . && npx prettier --check . >/dev/null'
run_node_tests "unit + policy tests (coverage of components/ and infra/)" \
  npx c8 --check-coverage --lines 85 --include 'components/**' --include 'infra/**' --reporter text-summary \
  node --import tsx --test --test-reporter=spec --test-concurrency=2 test/unit/*.test.ts test/policy/*.test.ts

if [[ "${FAST_ONLY:-}" != 1 ]]; then
  # The local environment: started for the tests (and stopped after) unless it was already running.
  if local/env.sh status >/dev/null 2>&1; then started_env=0; else started_env=1; fi
  check "local environment start (kcp + kwok clusters)" local/env.sh start
  check "local environment status" local/env.sh status
  run_node_tests "integration tests (their own stacks and backends)" \
    node --import tsx --test --test-reporter=spec --test-concurrency=1 --test-timeout=1800000 test/integration/*.test.ts
  run_node_tests "fault tests (kill -9 of up, API server down, secrets in plaintext, destroy of one region)" \
    node --import tsx --test --test-reporter=spec --test-concurrency=1 --test-timeout=3600000 test/faults/*.test.ts
  check "the main job: pulumi up of every local region stack (ops/rollout.ts --local)" \
    node --import tsx ops/rollout.ts --local --yes --create-missing --secrets-provider passphrase
  run_node_tests "end-to-end tests (the local regions the main job deployed)" \
    node --import tsx --test --test-reporter=spec --test-concurrency=1 --test-timeout=1800000 test/e2e/*.test.ts
  check "the local stacks are as the main job left them (preview: no changes)" \
    node --import tsx ops/preview.ts --local --expect-no-changes
  if (( started_env )); then check "local environment stop (no process left)" local/env.sh stop; fi
fi

echo "$passed passed, $failed failed"
(( failed == 0 ))
