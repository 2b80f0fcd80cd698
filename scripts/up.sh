#!/usr/bin/env bash
# The main job on the embedded local default: install everything (npm packages, the Go-built toolchain),
# start the local environment (kcp + one kwok cluster per region), then `pulumi up` every local region
# stack in waves (the home region first, halt on failure) with the policy pack; a local stack the backend
# does not have yet is created with the checkout's passphrase secrets. Safe to run again: a second run
# reuses every build and reports no changes.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$PROJECT_DIR"
scripts/install.sh
local/env.sh start
exec node --import tsx ops/rollout.ts --local --yes --create-missing --secrets-provider passphrase "$@"
