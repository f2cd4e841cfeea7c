#!/usr/bin/env bash
# A local Keycloak with the realm "lianjian" (infra/keycloak/realm-lianjian.json), for development and tests.
#
#   infra/keycloak/start.sh          start (in the background) and wait until the realm answers
#   infra/keycloak/start.sh stop     stop it
#   infra/keycloak/start.sh status   say whether it runs, and where
#
# Environment:
#   PORT                HTTP port on 127.0.0.1 (default 8180)
#   LIANJIAN_CACHE      cache folder (default ~/.cache/lianjian); Keycloak lives in $LIANJIAN_CACHE/keycloak
#   KEYCLOAK_VERSION    org.keycloak:keycloak-quarkus-dist version (default pinned below)
#   KEYCLOAK_WAIT       seconds to wait for the realm to answer (default 240)
#   KEYCLOAK_ADMIN_USER / KEYCLOAK_ADMIN_PASSWORD   bootstrap admin of the master realm (default admin / admin)
#
# The last line printed by a successful start is KEYCLOAK_URL=http://127.0.0.1:PORT. If it already runs
# (started from the same cache), start prints the URL of the running one, on whatever port that is.
# The H2 database of dev mode keeps runtime changes between starts; when the realm file changes, the
# database is dropped so the realm is imported afresh.
set -euo pipefail

VERSION="${KEYCLOAK_VERSION:-26.7.3}"
PORT="${PORT:-8180}"
WAIT="${KEYCLOAK_WAIT:-240}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REALM_FILE="$HERE/realm-lianjian.json"
CACHE="${LIANJIAN_CACHE:-${HOME:-/root}/.cache/lianjian}/keycloak"
HOME_DIR="$CACHE/keycloak-$VERSION"
ZIP="$CACHE/keycloak-quarkus-dist-$VERSION.zip"
RUN="$CACHE/run"
PID_FILE="$RUN/keycloak.pid"
PORT_FILE="$RUN/keycloak.port"
LOG="$RUN/keycloak.log"

say() { echo "keycloak: $*" >&2; }

running_pid() {
  # The pid of our Keycloak (its process group leader), if it is alive.
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # Ours only if it runs in a Keycloak folder of this cache (a pid file left by a reboot may name another process).
  case "$(readlink "/proc/$pid/cwd" 2>/dev/null || true)" in
    "$CACHE"/keycloak-*) echo "$pid" ;;
    *) return 1 ;;
  esac
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    say "not running"
    rm -f "$PID_FILE" "$PORT_FILE"
    return 0
  fi
  say "stopping (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "did not stop in 30 s; killing"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE" "$PORT_FILE"
}

pick_java() {
  # Keycloak 26 needs Java 21 or newer.
  local candidate version
  for candidate in "${KEYCLOAK_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 "${JAVA_HOME:-}" \
                   /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    version="$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p')"
    if [ "${version%%.*}" -ge 21 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  if command -v java >/dev/null 2>&1; then
    candidate="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    version="$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p')"
    if [ "${version%%.*}" -ge 21 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  fi
  return 1
}

fetch() {
  [ -x "$HOME_DIR/bin/kc.sh" ] && return 0
  mkdir -p "$CACHE"
  if [ ! -s "$ZIP" ]; then
    command -v mvn >/dev/null 2>&1 || { say "mvn not found: needed to fetch Keycloak from Maven Central"; exit 1; }
    say "fetching org.keycloak:keycloak-quarkus-dist:$VERSION (about 200 MB, once)"
    local tmp="$CACHE/download.$$"
    rm -rf "$tmp"
    if ! mvn -B -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.11.0:copy \
        "-Dartifact=org.keycloak:keycloak-quarkus-dist:$VERSION:zip" "-DoutputDirectory=$tmp" \
        >"$CACHE/mvn.log" 2>&1; then
      sed 's/\x1b\[[0-9;]*m//g' "$CACHE/mvn.log" | grep -m 1 ERROR >&2 || true
      rm -rf "$tmp"
      say "mvn could not fetch org.keycloak:keycloak-quarkus-dist:$VERSION:zip (log: $CACHE/mvn.log)"
      exit 1
    fi
    mv "$tmp/keycloak-quarkus-dist-$VERSION.zip" "$ZIP"
    rm -rf "$tmp"
  fi
  say "unpacking"
  local tmp="$CACHE/unpack.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$ZIP" -d "$tmp"
  else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$ZIP" "$tmp"
    chmod +x "$tmp"/keycloak-*/bin/*.sh
  fi
  rm -rf "$HOME_DIR"
  mv "$tmp/keycloak-$VERSION" "$HOME_DIR"
  rm -rf "$tmp"
}

start() {
  local pid
  if pid="$(running_pid)"; then
    local running_port
    running_port="$(cat "$PORT_FILE" 2>/dev/null || echo "$PORT")"
    say "already running (pid $pid) on port $running_port"
    echo "KEYCLOAK_URL=http://127.0.0.1:$running_port"
    return 0
  fi
  local java_home
  java_home="$(pick_java)" || { say "no Java 21+ found (Keycloak $VERSION needs it); set KEYCLOAK_JAVA_HOME"; exit 1; }
  fetch

  # Import the realm; drop the dev database when the realm file changed since the last import.
  mkdir -p "$HOME_DIR/data/import" "$RUN"
  local sum
  sum="$(sha256sum "$REALM_FILE" | cut -d' ' -f1)"
  if [ "$(cat "$HOME_DIR/data/realm.sha256" 2>/dev/null || true)" != "$sum" ]; then
    rm -rf "$HOME_DIR/data/h2"
  fi
  cp "$REALM_FILE" "$HOME_DIR/data/import/realm-lianjian.json"

  say "starting Keycloak $VERSION on http://127.0.0.1:$PORT with $java_home (log: $LOG)"
  (
    cd "$HOME_DIR"
    export JAVA_HOME="$java_home"
    export PATH="$java_home/bin:$PATH"
    export JAVA_OPTS_KC_HEAP="${JAVA_OPTS_KC_HEAP:--Xms64m -Xmx512m -XX:MaxMetaspaceSize=256m}"
    export JAVA_OPTS_APPEND="${JAVA_OPTS_APPEND:--XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true}"
    export KC_BOOTSTRAP_ADMIN_USERNAME="${KEYCLOAK_ADMIN_USER:-admin}"
    export KC_BOOTSTRAP_ADMIN_PASSWORD="${KEYCLOAK_ADMIN_PASSWORD:-admin}"
    # Its own process group (setsid), so that stop ends the script and the JVM together.
    exec setsid bin/kc.sh start-dev \
      --http-host=127.0.0.1 --http-port="$PORT" \
      --hostname="http://127.0.0.1:$PORT" \
      --import-realm \
      --health-enabled=false --metrics-enabled=false \
      </dev/null >"$LOG" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  echo "$PORT" >"$PORT_FILE"

  local url="http://127.0.0.1:$PORT/realms/lianjian/.well-known/openid-configuration"
  local started=$SECONDS
  while (( SECONDS - started < WAIT )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "Keycloak exited during start; last lines of its log:"
      tail -n 30 "$LOG" >&2 2>/dev/null || true
      rm -f "$PID_FILE" "$PORT_FILE"
      exit 1
    fi
    if python3 - "$url" <<'PY' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as answer:
    sys.exit(0 if answer.status == 200 else 1)
PY
    then
      echo "$sum" >"$HOME_DIR/data/realm.sha256"
      say "ready after $(( SECONDS - started )) s"
      echo "KEYCLOAK_URL=http://127.0.0.1:$PORT"
      return 0
    fi
    sleep 1
  done
  say "the realm did not answer within $WAIT s; stopping. Last lines of its log:"
  tail -n 30 "$LOG" 2>/dev/null >&2 || true
  stop
  exit 1
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status)
    if pid="$(running_pid)"; then
      echo "running (pid $pid) at http://127.0.0.1:$(cat "$PORT_FILE" 2>/dev/null || echo "$PORT")"
    else
      echo "not running"
      exit 3
    fi
    ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
