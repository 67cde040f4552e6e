#!/usr/bin/env bash
# The local stack: Apache Kafka (single-node KRaft) and a Confluent-compatible Schema Registry
# (Apicurio Registry), both run on the machine's JDK from Maven Central artifacts.
#   npm run stack -- up|down|status|logs [kafka|registry]
#   npm run stack -- reset     (down, then delete the brokers' data: the next up starts empty)
#   npm run stack -- fetch     (download the broker and build the registry into the cache; starts nothing)
# Env: KAFKA_VERSION (3.9.2), KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1),
#      SCHEMA_REGISTRY_PORT (18081), INVOICE_STREAM_CACHE (~/.cache/invoice-stream).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=stack/lib.sh
source "$here/stack/lib.sh"
# shellcheck source=stack/kafka.sh
source "$here/stack/kafka.sh"
# shellcheck source=stack/registry.sh
source "$here/stack/registry.sh"

usage() { echo "usage: $0 up|down|status|logs [kafka|registry] | reset | fetch" >&2; exit 2; }

cmd_up() {
  local what="${1:-all}" started=$SECONDS
  case "$what" in
    all) kafka_up; registry_up ;;
    kafka) kafka_up ;;
    registry) registry_up ;;
    *) usage ;;
  esac
  stack_log "up in $((SECONDS - started))s"
  echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  [ "$what" = kafka ] || echo "SCHEMA_REGISTRY_URL=$SCHEMA_REGISTRY_URL_LOCAL"
}

# `down` stops every service this stack started (all Kafka versions), whatever the env says;
# `down kafka` only the broker of KAFKA_VERSION, `down registry` only the registry.
cmd_down() {
  local f
  case "${1:-all}" in
    all) for f in "$STACK_RUN"/*.pid; do [ -e "$f" ] && stack_stop "$(basename "$f" .pid)"; done ;;
    kafka) stack_stop "$KAFKA_NAME" ;;
    registry) stack_stop "$REGISTRY_NAME" ;;
    *) usage ;;
  esac
  return 0
}

cmd_reset() {
  cmd_down all
  stack_log "deleting broker data under $STACK_DIR"
  rm -rf "$STACK_DIR"/kafka-* "$STACK_DIR/registry"
}

cmd_status() {
  local f name rc=0
  for f in "$STACK_RUN"/*.pid; do
    [ -e "$f" ] || continue
    name="$(basename "$f" .pid)"
    if stack_alive "$name"; then echo "$name: running (pid $(cat "$f"))"; else echo "$name: dead (stale pid file)"; rc=1; fi
  done
  if stack_alive "$KAFKA_NAME" && kafka_ready 5 2>/dev/null; then
    echo "kafka: ready at 127.0.0.1:$KAFKA_PORT"
  else
    echo "kafka ($KAFKA_NAME): not ready at 127.0.0.1:$KAFKA_PORT"; rc=1
  fi
  if stack_alive "$REGISTRY_NAME" && registry_ready 5 2>/dev/null; then
    echo "registry: ready at $SCHEMA_REGISTRY_URL_LOCAL"
  else
    echo "registry: not ready at $SCHEMA_REGISTRY_URL_LOCAL"; rc=1
  fi
  return $rc
}

cmd_logs() {
  case "${1:-all}" in
    all) tail -n 50 "$STACK_LOGS"/*.log ;;
    kafka) tail -n 200 "$STACK_LOGS/$KAFKA_NAME.log" ;;
    registry) tail -n 200 "$STACK_LOGS/$REGISTRY_NAME.log" ;;
    *) usage ;;
  esac
}

# Several helpers and test runs may call `up`/`down` at once: one at a time, or two JVMs would
# format and open the same data directory.
stack_lock() {
  exec 9>"$STACK_RUN/stack.lock"
  flock -w 900 9 || stack_die "timed out waiting for another stack command (lock $STACK_RUN/stack.lock)"
}

case "${1:-}" in
  up) stack_lock; cmd_up "${2:-all}" ;;
  down) stack_lock; cmd_down "${2:-all}" ;;
  reset) stack_lock; cmd_reset ;;
  fetch) stack_lock; kafka_fetch; registry_build; stack_log "artefacts cached under $STACK_CACHE" ;;
  status) cmd_status ;;
  logs) cmd_logs "${2:-all}" ;;
  *) usage ;;
esac
