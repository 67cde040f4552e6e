# Shared settings for the local stack (sourced by scripts/stack.sh and the scripts beside it).
# Everything the stack writes at run time lives under .stack/ (gitignored); everything it
# downloads lives in the cache, so a fresh clone on the same machine starts without the network.
STACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="${INVOICE_STREAM_STACK_DIR:-$STACK_ROOT/.stack}"
STACK_CACHE="${INVOICE_STREAM_CACHE:-$HOME/.cache/invoice-stream}"
STACK_LOGS="$STACK_DIR/logs"
STACK_RUN="$STACK_DIR/run"

KAFKA_VERSION="${KAFKA_VERSION:-3.9.2}"
KAFKA_SCALA="${KAFKA_SCALA:-2.13}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx768m}"
KAFKA_READY_TIMEOUT_S="${KAFKA_READY_TIMEOUT_S:-120}"

APICURIO_VERSION="${APICURIO_VERSION:-2.1.5.Final}"
# The Quarkus release that Apicurio version was built with (its parent pom's quarkus.version).
APICURIO_QUARKUS_VERSION="${APICURIO_QUARKUS_VERSION:-2.2.3.Final}"
SCHEMA_REGISTRY_PORT="${SCHEMA_REGISTRY_PORT:-18081}"
SCHEMA_REGISTRY_URL_LOCAL="http://127.0.0.1:$SCHEMA_REGISTRY_PORT/apis/ccompat/v6"
SCHEMA_REGISTRY_HEAP="${SCHEMA_REGISTRY_HEAP:--Xms128m -Xmx512m}"
SCHEMA_REGISTRY_READY_TIMEOUT_S="${SCHEMA_REGISTRY_READY_TIMEOUT_S:-180}"

# Maven's local repository sits inside the cache so that the cache alone is the unit to keep.
STACK_M2="$STACK_CACHE/m2"

mkdir -p "$STACK_LOGS" "$STACK_RUN" "$STACK_CACHE"

stack_log() { printf '[stack] %s\n' "$*" >&2; }
stack_die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# Node 24 runs the readiness probes, with the runtime's client (@platformatic/kafka from node_modules).
stack_node() {
  [ -d "$STACK_ROOT/node_modules/@platformatic/kafka" ] || stack_die "the readiness probes need @platformatic/kafka: run npm ci first"
  # shellcheck source=../toolchain.sh
  source "$STACK_ROOT/scripts/toolchain.sh" >/dev/null
  node "$@"
}

# Every repository a pom names (Apicurio's name JitPack and Eclipse's) is routed to Maven Central,
# the one Maven repository this project may reach. MAVEN_SETTINGS overrides (a corporate mirror).
stack_mvn() {
  command -v mvn >/dev/null 2>&1 || stack_die "Maven (mvn) is needed to fetch the stack's jars from Maven Central"
  local settings="${MAVEN_SETTINGS:-$STACK_CACHE/maven-settings.xml}"
  if [ -z "${MAVEN_SETTINGS:-}" ] && [ ! -f "$settings" ]; then
    cat >"$settings" <<'XML'
<settings>
  <mirrors>
    <mirror><id>central-only</id><mirrorOf>*</mirrorOf><url>https://repo.maven.apache.org/maven2</url></mirror>
  </mirrors>
</settings>
XML
  fi
  mvn -B -q -Dstyle.color=never -s "$settings" -Dmaven.repo.local="$STACK_M2" "$@"
}

stack_java() {
  command -v java >/dev/null 2>&1 || stack_die "a JDK 17+ (java) is needed to run the local stack"
  java "$@"
}

# A port that answers belongs to someone else (another checkout's stack): starting there would
# fail to bind while the readiness probe happily talks to the other server.
stack_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
stack_require_ports() {
  local port
  for port in "$@"; do
    stack_port_free "$port" || stack_die "port $port on 127.0.0.1 is already in use by another process; pick other ports (KAFKA_PORT, KAFKA_CONTROLLER_PORT, SCHEMA_REGISTRY_PORT)"
  done
}

# pid file of a named service; alive means the pid exists and is ours.
stack_pid_file() { printf '%s/%s.pid' "$STACK_RUN" "$1"; }
stack_alive() {
  local f; f="$(stack_pid_file "$1")"
  [ -f "$f" ] && stack_pid_running "$(cat "$f")"
}
# A zombie (exited, not yet reaped by whoever adopted it) still answers kill -0: not running.
stack_pid_running() {
  kill -0 "$1" 2>/dev/null && [[ "$(ps -o stat= -p "$1" 2>/dev/null)" != Z* ]]
}

# Start a detached process (own session, so a caller's Ctrl-C or exit leaves it running).
stack_spawn() {
  local name="$1"; shift
  local log="$STACK_LOGS/$name.log"
  # Appended, not truncated: a restart keeps the log of the run before it (a crash's last words).
  printf '\n===== %s: starting %s =====\n' "$(date -u +%FT%TZ)" "$name" >>"$log"
  # 9>&- : the child must not inherit the stack lock, or it would hold it for its whole life.
  setsid nohup "$@" >>"$log" 2>&1 </dev/null 9>&- &
  echo $! >"$(stack_pid_file "$name")"
}

# Stop a named service: TERM, wait for a clean shutdown, KILL as a last resort.
stack_stop() {
  local name="$1" f pid i
  f="$(stack_pid_file "$name")"
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if stack_pid_running "$pid"; then
    stack_log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 60); do stack_pid_running "$pid" || break; sleep 0.5; done
    if stack_pid_running "$pid"; then
      stack_log "$name did not stop in 30s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$f"
}
