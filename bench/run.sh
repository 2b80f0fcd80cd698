#!/usr/bin/env bash
# npm run bench: every benchmark, each case printed with its ratio to a baseline measured in the same run.
#   manifests  manifest load and render vs a bare YAML parse
#   mocks      d. program evaluation under mocks for 1, 5, 20 regions + where the time goes (CPU profile)
#   suite      e. the fast test suite's wall time
#   local      a–c. pulumi up / preview / ops in parallel vs kubectl and the single region, on the local
#              environment (started for the run and stopped after, unless it is already running; the
#              region clusters must be empty: see bench/local.bench.ts)
# BENCH_ONLY="mocks local" runs a subset.
set -uo pipefail
. "$(dirname "$0")/../scripts/env.sh"
cd "$PROJECT_DIR"
only=" ${BENCH_ONLY:-manifests mocks suite local} "
rc=0
want() { [[ "$only" == *" $1 "* ]]; }
want manifests && { node --import tsx bench/manifests.bench.ts || rc=1; }
want mocks && { node --import tsx bench/mocks.bench.ts || rc=1; }
want suite && { node --import tsx bench/suite.bench.ts || rc=1; }
if want local; then
  if local/env.sh status >/dev/null 2>&1; then started=0; else started=1; local/env.sh start || exit 1; fi
  node --import tsx bench/local.bench.ts || rc=1
  (( started )) && local/env.sh stop
fi
exit $rc
