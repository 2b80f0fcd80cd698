# Environment for every command of the project (sourced by scripts/*.sh, local/*.sh, tests):
# the project's own tools first on PATH, a project-local Pulumi home and file backend, offline Pulumi.
# shellcheck shell=bash
PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PROJECT_DIR
export PATH="$PROJECT_DIR/.tools/bin:$PROJECT_DIR/node_modules/.bin:$PATH"
export PULUMI_HOME="$PROJECT_DIR/.tools/pulumi-home"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PROJECT_DIR/.state/backend}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# The stack files in stacks/ are committed data: take the secrets manager from the stack's state rather than
# writing a per-checkout encryptionsalt into them on every up.
export PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true
# Transpile-only runs; tsc --noEmit type-checks once in the tests (a type-check per preview costs about 15 s).
export TS_NODE_TRANSPILE_ONLY=true
export PIPELINE_SERVICE_LOCAL_DIR="${PIPELINE_SERVICE_LOCAL_DIR:-$PROJECT_DIR/.local}"
# Passphrase secrets for the local file backend: a random passphrase made once per checkout (gitignored).
# Users of a shared backend set PULUMI_CONFIG_PASSPHRASE(_FILE) themselves.
if [[ -z "${PULUMI_CONFIG_PASSPHRASE:-}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
  mkdir -p "$PROJECT_DIR/.state/backend"
  if [[ ! -s "$PROJECT_DIR/.state/passphrase" ]]; then
    (umask 077 && head -c 32 /dev/urandom | base64 >"$PROJECT_DIR/.state/passphrase")
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$PROJECT_DIR/.state/passphrase"
fi
