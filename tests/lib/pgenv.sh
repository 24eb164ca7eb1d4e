# pgenv.sh: a private PostgreSQL 15 server on loopback for the shared-store
# tests and benchmarks (bash, sourced; it sources printenv.sh for its port
# picking and waiting).
#
#   pgenv_start DIR [tls]
#       initdb a cluster in DIR/data (a new folder, made here; DIR's parent
#       is made passable for the postgres user) and start it on
#       127.0.0.1 at a free port, its socket in DIR/sock, its log in
#       DIR/log/postgres.log. With "tls", a self-signed certificate made by
#       openssl (DIR/tls/server.crt, also the clients' root certificate) and
#       ssl = on. Sets PGENV_PORT, PGENV_PID (the postmaster), PGENV_DIR.
#       Authentication on loopback: trust, except roles that are members of
#       needs_password (scram-sha-256) and of needs_tls (refused without
#       TLS), so the tests of wrong passwords and missing TLS have a server
#       that asks.
#   pgenv_url DB [USER]   postgresql://USER@127.0.0.1:PORT/DB (USER postgres)
#   pgenv_sql DB SQL      runs SQL as the superuser (psql, on the socket)
#   pgenv_createdb NAME   a new, empty database
#   pgenv_stop            a fast shutdown of the server started here, by PID
#   pgenv_crash           SIGQUIT to the postmaster: what a power cut does
#                         (no checkpoint; the next start recovers from the WAL)
#   pgenv_restart         starts the same cluster again on the same port
#
# The server refuses to run as root and CI runs as root, so it runs as the
# postgres user of Debian's postgresql-15 package (PLATFORM.md): DIR is made
# 0755 and the folders the server writes are given to postgres. Everything
# is stopped by the PID this file started; nothing else is touched.

PGENV_BIN=${PGENV_BIN:-/usr/lib/postgresql/15/bin}
PGENV_PID=""
PGENV_PORT=""
PGENV_DIR=""
PGENV_TLS=0
# shellcheck source=printenv.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/printenv.sh"

pgenv_log() {
    echo "pgenv: $*" >&2
}

# Runs a PostgreSQL program as the server's user (root cannot run them).
pgenv_as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pgenv_answers() {
    "$PGENV_BIN/pg_isready" -q -h 127.0.0.1 -p "$PGENV_PORT" -U postgres -d postgres
}

# The self-signed certificate: its own root, for host 127.0.0.1 and localhost.
pgenv_make_cert() {
    local tls=$1
    mkdir -p "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$tls/server.key" -out "$tls/server.crt" >/dev/null 2>&1 || {
        pgenv_log "openssl could not make a certificate"
        return 1
    }
    chmod 600 "$tls/server.key"
    [ "$(id -u)" = 0 ] && chown -R postgres "$tls"
    return 0
}

pgenv_write_hba() {
    cat >"$PGENV_DIR/data/pg_hba.conf" <<'EOF'
# pgenv.sh: loopback only. Roles in needs_tls must come over TLS; roles in
# needs_password must give one; everyone else is trusted.
local   all all                            trust
hostnossl all +needs_tls 127.0.0.1/32     reject
host    all +needs_password 127.0.0.1/32  scram-sha-256
host    all all 127.0.0.1/32               trust
EOF
}

pgenv_launch() {
    local opts="-p $PGENV_PORT -k $PGENV_DIR/sock -c listen_addresses=127.0.0.1"
    opts="$opts -c max_connections=200 -c fsync=on -c synchronous_commit=on"
    if [ "$PGENV_TLS" = 1 ]; then
        opts="$opts -c ssl=on -c ssl_cert_file=$PGENV_DIR/tls/server.crt"
        opts="$opts -c ssl_key_file=$PGENV_DIR/tls/server.key"
    fi
    pgenv_as_postgres "$PGENV_BIN/pg_ctl" -D "$PGENV_DIR/data" -l "$PGENV_DIR/log/postgres.log" \
        -w -t 60 -o "$opts" start >/dev/null || return 1
    PGENV_PID=$(head -1 "$PGENV_DIR/data/postmaster.pid" 2>/dev/null)
    [ -n "$PGENV_PID" ]
}

pgenv_start() {
    PGENV_DIR=$1
    PGENV_TLS=0
    [ "${2:-}" = tls ] && PGENV_TLS=1
    mkdir -p "$PGENV_DIR"
    chmod 755 "$PGENV_DIR"
    # A test's mktemp folder is 0700: the server's user must pass through it.
    chmod o+x "$(dirname "$PGENV_DIR")"
    mkdir -p "$PGENV_DIR/sock" "$PGENV_DIR/log"
    [ "$(id -u)" = 0 ] && chown postgres "$PGENV_DIR/sock" "$PGENV_DIR/log"
    if [ ! -x "$PGENV_BIN/initdb" ]; then
        pgenv_log "$PGENV_BIN/initdb is missing: install postgresql-15 (make deps)"
        return 1
    fi
    mkdir "$PGENV_DIR/data" && chmod 700 "$PGENV_DIR/data"
    [ "$(id -u)" = 0 ] && chown postgres "$PGENV_DIR/data"
    pgenv_as_postgres "$PGENV_BIN/initdb" -D "$PGENV_DIR/data" -A trust -U postgres \
        -E UTF8 --locale=C.UTF-8 >"$PGENV_DIR/log/initdb.log" 2>&1 || {
        pgenv_log "initdb failed"
        cat "$PGENV_DIR/log/initdb.log" >&2
        return 1
    }
    pgenv_write_hba
    if [ "$PGENV_TLS" = 1 ]; then
        pgenv_make_cert "$PGENV_DIR/tls" || return 1
    fi
    local _
    for _ in 1 2 3 4 5; do
        printenv_pick_port PGENV_PORT
        if pgenv_launch && printenv_until "$PGENV_PID" pgenv_answers; then
            pgenv_sql postgres "CREATE ROLE needs_password NOLOGIN; CREATE ROLE needs_tls NOLOGIN;" \
                >/dev/null || return 1
            return 0
        fi
        # Another program may have taken the port: try another.
        [ -n "$PGENV_PID" ] && pgenv_stop
    done
    pgenv_log "PostgreSQL did not start"
    tail -20 "$PGENV_DIR/log/postgres.log" >&2
    return 1
}

pgenv_url() {
    echo "postgresql://${2:-postgres}@127.0.0.1:$PGENV_PORT/$1"
}

pgenv_sql() {
    psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGENV_DIR/sock" -p "$PGENV_PORT" -U postgres \
        -d "$1" -c "$2"
}

pgenv_createdb() {
    pgenv_sql postgres "CREATE DATABASE \"$1\"" >/dev/null
}

# Sends SIG to the postmaster and waits until it is gone.
pgenv_signal_and_wait() {
    local sig=$1
    [ -n "$PGENV_PID" ] || return 0
    kill "-$sig" "$PGENV_PID" 2>/dev/null
    PRINTENV_WAIT_SECONDS=60 printenv_until "" printenv_gone "$PGENV_PID" ||
        kill -KILL "$PGENV_PID" 2>/dev/null
    PGENV_PID=""
}

pgenv_stop() {
    pgenv_signal_and_wait INT
}

pgenv_crash() {
    pgenv_signal_and_wait QUIT
}

pgenv_restart() {
    pgenv_launch && printenv_until "$PGENV_PID" pgenv_answers
}

# ---- the proxy between kiosks and the server (tcpproxy.py) ----
#
#   pgenv_proxy_start DIR   a proxy to the server, its ports in DIR/proxy.ports;
#                           sets PGENV_PROXY_PORT and PGENV_PROXY_PID
#   pgenv_proxy MODE        pass | refuse | drop | blackhole | noreply:
#                           returns once the proxy acts on it
#   pgenv_proxy_url DB [USER]  the server's URL through the proxy
#   pgenv_proxy_stop
PGENV_PROXY_PID=""
PGENV_PROXY_PORT=""
PGENV_PROXY_CTL=""

pgenv_proxy_ready() {
    [ -s "$1" ]
}

pgenv_proxy_start() {
    local file=$1/proxy.ports
    rm -f "$file"
    python3 "$PRINTENV_DIR/tcpproxy.py" 127.0.0.1 "$PGENV_PORT" "$file" \
        >"$1/proxy.log" 2>&1 &
    PGENV_PROXY_PID=$!
    printenv_until "$PGENV_PROXY_PID" pgenv_proxy_ready "$file" || {
        pgenv_log "the proxy did not start"
        cat "$1/proxy.log" >&2
        return 1
    }
    read -r PGENV_PROXY_PORT PGENV_PROXY_CTL <"$file"
}

pgenv_proxy() {
    local answer
    exec 9<>"/dev/tcp/127.0.0.1/$PGENV_PROXY_CTL" || return 1
    echo "$1" >&9
    read -r answer <&9
    exec 9>&-
    [ "${answer%% *}" = ok ] || {
        pgenv_log "proxy: $1: $answer"
        return 1
    }
    answer=${answer#ok}
    [ -z "$answer" ] || echo "${answer# }"
}

pgenv_proxy_url() {
    echo "postgresql://${2:-postgres}@127.0.0.1:$PGENV_PROXY_PORT/$1"
}

pgenv_proxy_stop() {
    [ -n "$PGENV_PROXY_PID" ] && printenv_kill "$PGENV_PROXY_PID"
    PGENV_PROXY_PID=""
}
