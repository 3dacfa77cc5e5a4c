#!/usr/bin/env bash
# A private, throwaway PostgreSQL for the store tests, in .pg/ of this checkout (git-ignored).
#
# Idempotent: the first run installs the server binaries if missing (apt), initialises the
# cluster and starts it; later runs only start it again if it stopped. The cluster listens on
# 127.0.0.1 only (port 54329, or VISAVIS_PG_PORT, or the next free one when that is taken, say
# by another checkout's cluster; kept in .pg/port) and on a socket in .pg/run, trusts local
# connections, and keeps no durability (fsync off): its data is for tests only.
#
# The last (and only) line on stdout is the database URL, so a Makefile can capture it:
#   VISAVIS_TEST_DATABASE_URL=$(bash scripts/postgres.sh) pytest
# Progress goes to stderr. An already-set VISAVIS_TEST_DATABASE_URL is printed as it is.
# Stop the cluster with: pg_ctl -D .pg/data stop (as the user who owns .pg/data).
set -euo pipefail

say() { echo "postgres.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

if [ -n "${VISAVIS_TEST_DATABASE_URL:-}" ]; then
  say "using VISAVIS_TEST_DATABASE_URL from the environment"
  echo "$VISAVIS_TEST_DATABASE_URL"
  exit 0
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PGDIR="$ROOT/.pg"
DATA="$PGDIR/data"
RUN="$PGDIR/run"
LOG="$PGDIR/postgres.log"
PORT_FILE="$PGDIR/port"
ROLE=visavis        # the cluster's superuser, whatever the OS user running it
DB=visavis_test

# --- server binaries ----------------------------------------------------------------------

# A directory holding initdb, pg_ctl and postgres; the version of an existing cluster wins.
find_bindir() {
  local candidates=()
  if [ -f "$DATA/PG_VERSION" ]; then
    candidates+=("/usr/lib/postgresql/$(cat "$DATA/PG_VERSION")/bin")
  fi
  [ -n "${PG_BINDIR:-}" ] && candidates+=("$PG_BINDIR")
  local p
  if p="$(command -v pg_ctl 2>/dev/null)"; then
    candidates+=("$(dirname "$(readlink -f "$p")")")
  fi
  # Newest version first.
  while IFS= read -r p; do candidates+=("$p"); done < <(
    ls -d /usr/lib/postgresql/*/bin /usr/local/pgsql/bin 2>/dev/null | sort -rV
  )
  for p in "${candidates[@]}"; do
    if [ -x "$p/initdb" ] && [ -x "$p/pg_ctl" ] && [ -x "$p/postgres" ]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi

if ! BIN="$(find_bindir)"; then
  say "no PostgreSQL server found; installing it with apt-get"
  command -v apt-get >/dev/null || die "no PostgreSQL server and no apt-get; install PostgreSQL"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq >&2
  # The package would start its own cluster on port 5432; ours is separate and unaffected.
  "${SUDO[@]}" apt-get install -y -qq postgresql >&2
  BIN="$(find_bindir)" || die "postgresql installed, but no initdb/pg_ctl/postgres found"
fi
say "server binaries: $BIN"

# --- who runs the server ------------------------------------------------------------------

# PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` system user.
if [ "$(id -u)" = 0 ]; then
  OWNER=postgres
  if ! id -u "$OWNER" >/dev/null 2>&1; then
    say "creating system user $OWNER"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/sh "$OWNER"
  fi
  as_owner() { runuser -u "$OWNER" -- "$@"; }
else
  OWNER="$(id -un)"
  as_owner() { "$@"; }
fi

# --- the cluster --------------------------------------------------------------------------

mkdir -p "$PGDIR"
cd "$PGDIR"  # the server user may not be able to enter the caller's directory
if [ ! -f "$DATA/PG_VERSION" ]; then
  PORT="${VISAVIS_PG_PORT:-54329}"
  say "initialising a test cluster in $DATA (port $PORT, owner $OWNER)"
  rm -rf "$DATA" "$RUN"  # a half-made cluster from an interrupted run
  mkdir -p "$DATA" "$RUN"
  [ "$OWNER" = "$(id -un)" ] || chown "$OWNER" "$PGDIR" "$DATA" "$RUN"
  chmod 700 "$DATA"
  as_owner "$BIN/initdb" -D "$DATA" -U "$ROLE" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$PGDIR/initdb.log" 2>&1 || { cat "$PGDIR/initdb.log" >&2; die "initdb failed"; }
  as_owner tee -a "$DATA/postgresql.conf" >/dev/null <<EOF

# --- visavis test cluster (scripts/postgres.sh) ---
# The port is given by pg_ctl start (-p), from .pg/port.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUN'
max_connections = 50
# Throwaway test data: speed over durability.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  echo "$PORT" >"$PORT_FILE"
fi
[ -f "$PORT_FILE" ] || die "$PORT_FILE is missing; remove $PGDIR to start over"
PORT="$(cat "$PORT_FILE")"

# Whether something (another checkout's test cluster, say) already listens on a port.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  say "cluster already running on 127.0.0.1:$PORT"
else
  if port_taken "$PORT"; then
    wanted="$PORT"
    for ((PORT = wanted + 1; PORT < wanted + 100; PORT++)); do
      port_taken "$PORT" || break
    done
    port_taken "$PORT" && die "ports $wanted to $PORT are all taken; set VISAVIS_PG_PORT"
    say "port $wanted is taken (another cluster?); using $PORT"
    echo "$PORT" >"$PORT_FILE"
  fi
  say "starting the cluster on 127.0.0.1:$PORT (log: $LOG)"
  [ -e "$LOG" ] || { touch "$LOG"; [ "$OWNER" = "$(id -un)" ] || chown "$OWNER" "$LOG"; }
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -o "-p $PORT" -w -t 60 start >&2 || {
    tail -n 20 "$LOG" >&2
    die "the cluster did not start; see $LOG"
  }
fi

# --- the database -------------------------------------------------------------------------

PSQL=("$BIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d postgres -v ON_ERROR_STOP=1)
[ -x "$BIN/psql" ] || PSQL[0]=psql
if [ "$("${PSQL[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
  say "creating database $DB"
  "${PSQL[@]}" -c "CREATE DATABASE $DB" >&2
fi

echo "postgresql+psycopg://$ROLE@127.0.0.1:$PORT/$DB"
