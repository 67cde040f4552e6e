#!/usr/bin/env bash
# The README's set-up command: everything the tests need, on a fresh clone.
#   source scripts/setup.sh     (sourced, Node 24 stays on PATH for the next command: `npm test`)
#   bash scripts/setup.sh       (the same; then `source scripts/toolchain.sh` in the shell you test from)
# Steps, each cached so a second run takes seconds:
#   1. Node.js 24 (scripts/toolchain.sh: from the npm registry when the system Node is older)
#   2. npm packages, exactly as package-lock.json pins them (`npm ci`: the lock is never rewritten)
#   3. the Python test readers (delta-rs, fastavro, Spark with Delta) and moto's S3 server in .toolchain/py
#   4. Spark's jars (Delta Lake; hadoop-aws and the AWS SDK bundle for s3a), in ~/.cache/invoice-stream/ivy
#   5. the Kafka broker and the Schema Registry jars, in ~/.cache/invoice-stream (no server started)
#   6. the manifest tools (kustomize, Kubernetes schemas, hadolint) in .toolchain/k8s
# Needs: a JDK 17+ with Maven, Python 3.10+, Go (for kustomize). Stops at the first failure.
_setup_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

_setup_steps() {
  local root="$1" start
  # Each step ends the set-up on failure by itself: `set -e` does not act inside an `if` condition.
  start=$SECONDS
  # shellcheck source=toolchain.sh
  source "$root/scripts/toolchain.sh" || return 1
  echo "setup: node $(node --version) ($((SECONDS - start))s)" >&2
  start=$SECONDS
  (cd "$root" && npm ci --no-audit --no-fund) || return 1
  echo "setup: npm packages ($((SECONDS - start))s)" >&2
  start=$SECONDS
  bash "$root/scripts/python-tools.sh" || return 1
  echo "setup: python test readers ($((SECONDS - start))s)" >&2
  start=$SECONDS
  bash "$root/scripts/spark-jars.sh" || return 1
  echo "setup: spark jars ($((SECONDS - start))s)" >&2
  start=$SECONDS
  bash "$root/scripts/stack.sh" fetch || return 1
  echo "setup: broker and registry artefacts ($((SECONDS - start))s)" >&2
  start=$SECONDS
  bash "$root/scripts/k8s-tools.sh" >/dev/null || return 1
  echo "setup: manifest tools ($((SECONDS - start))s)" >&2
}

# A subshell keeps the steps' variables out of the caller's shell; PATH is then set again here.
if (_setup_steps "$_setup_root"); then
  # shellcheck source=toolchain.sh
  source "$_setup_root/scripts/toolchain.sh"
  echo "setup: done; run the tests with: npm test" >&2
  unset _setup_root; unset -f _setup_steps
else
  echo "setup: failed (see above)" >&2
  unset _setup_root; unset -f _setup_steps
  return 1 2>/dev/null || exit 1
fi
