# printenv.sh: real printers on loopback for the print tests (bash, sourced).
#
#   printenv_start_ippeveprinter NAME PORT SPOOL [CMD] [ATTRFILE] [FORMATS]
#       an IPP Everywhere printer (cups-ipp-utils) at ipp://localhost:PORT/ipp/print
#       that keeps each document in SPOOL as JOBID-JOBNAME.EXT. CMD, when given
#       and not "", runs for each document (its stderr "STATE:" lines change the
#       printer's state reasons). ATTRFILE replaces its attributes (media...);
#       ippeveprinter refuses -f together with -a, so with ATTRFILE the formats
#       are its defaults (PWG raster and URF), unless the file lists others.
#       FORMATS (without ATTRFILE) replaces image/png,image/pwg-raster,application/pdf.
#   printenv_start_cupsd PORT DIR
#       a private cupsd on localhost:PORT, everything under DIR; exports
#       CUPS_SERVER so clients (lpadmin, the tests) talk to it, not the system's.
#   printenv_add_queue CUPSPORT QUEUE PRINTERPORT
#       a driverless queue on that cupsd for the ippeveprinter on PRINTERPORT;
#       returns once cupsd has made its driver.
#   printenv_kill PID     stops one process this file started
#   printenv_stop         stops everything this file started, by PID
#
# ippeveprinter will not start on Debian 12 without a dbus system bus and
# avahi-daemon (PLATFORM.md), so the first printer starts them when they are
# not running, and printenv_stop stops them again only if it started them.
# Ports 8631 and up and private directories keep clear of a system cupsd.

PRINTENV_PIDS=""
PRINTENV_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

printenv_log() {
    echo "printenv: $*" >&2
}

# Waits until an IPP service answers Get-Printer-Attributes (up to ~10 s).
printenv_wait_ipp() {
    local uri=$1 i
    for i in $(seq 1 100); do
        if ipptool -q -T 2 "$uri" "$PRINTENV_DIR/printenv-ping.test" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    printenv_log "no answer from $uri"
    return 1
}

printenv_start_bus() {
    # Ask the bus itself: a socket or pid file may be left from a dead one.
    if ! dbus-send --system --dest=org.freedesktop.DBus --print-reply / \
        org.freedesktop.DBus.GetId >/dev/null 2>&1; then
        mkdir -p /run/dbus
        rm -f /run/dbus/pid /run/dbus/system_bus_socket
        local pid
        pid=$(dbus-daemon --system --fork --print-pid) || {
            printenv_log "dbus-daemon did not start"
            return 1
        }
        PRINTENV_PIDS="$PRINTENV_PIDS $pid"
        PRINTENV_STARTED_DBUS=$pid
    fi
    if ! avahi-daemon --check 2>/dev/null; then
        # --no-rlimits: containers often forbid the limits avahi sets itself.
        avahi-daemon -D --no-drop-root --no-rlimits || {
            printenv_log "avahi-daemon did not start"
            return 1
        }
        local i
        for i in $(seq 1 50); do
            [ -s /run/avahi-daemon/pid ] && break
            sleep 0.1
        done
        PRINTENV_STARTED_AVAHI=$(cat /run/avahi-daemon/pid)
        PRINTENV_PIDS="$PRINTENV_PIDS $PRINTENV_STARTED_AVAHI"
    fi
}

printenv_start_ippeveprinter() {
    local name=$1 port=$2 spool=$3 cmd=${4:-} attrs=${5:-}
    local formats=${6:-image/png,image/pwg-raster,application/pdf}
    printenv_start_bus || return 1
    mkdir -p "$spool"
    local args=(-p "$port" -n localhost -d "$spool" -k)
    if [ -n "$attrs" ]; then
        args+=(-a "$attrs")
    else
        args+=(-f "$formats")
    fi
    [ -n "$cmd" ] && args+=(-c "$cmd")
    ippeveprinter "${args[@]}" "$name" >"$spool.log" 2>&1 &
    local pid=$!
    PRINTENV_PIDS="$PRINTENV_PIDS $pid"
    eval "PRINTENV_PID_$port=$pid"
    printenv_wait_ipp "ipp://localhost:$port/ipp/print" || {
        cat "$spool.log" >&2
        return 1
    }
}

printenv_start_cupsd() {
    local port=$1 dir=$2
    mkdir -p "$dir"/{spool/temp,cache,log,state,ppd}
    # Filters run as lp: they must reach the spool through the private tree.
    chmod 755 "$dir"
    # LogLevel info: printenv_add_queue reads when a queue is ready.
    cat >"$dir/cupsd.conf" <<EOF
LogLevel info
Listen localhost:$port
Browsing Off
WebInterface No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow localhost
</Location>
<Policy default>
  JobPrivateAccess default
  JobPrivateValues default
  SubscriptionPrivateAccess default
  SubscriptionPrivateValues default
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
    cat >"$dir/cups-files.conf" <<EOF
ServerRoot $dir
StateDir $dir/state
CacheDir $dir/cache
RequestRoot $dir/spool
TempDir $dir/spool/temp
AccessLog $dir/log/access_log
ErrorLog $dir/log/error_log
PageLog $dir/log/page_log
Printcap
EOF
    cupsd -c "$dir/cupsd.conf" -s "$dir/cups-files.conf" -f >"$dir/log/cupsd.out" 2>&1 &
    local pid=$!
    PRINTENV_PIDS="$PRINTENV_PIDS $pid"
    eval "PRINTENV_PID_$port=$pid PRINTENV_CUPSD_DIR_$port=\$dir"
    export CUPS_SERVER=localhost:$port
    local i
    for i in $(seq 1 100); do
        # lpstat -r exits 0 either way; only its words tell.
        lpstat -h "localhost:$port" -r 2>/dev/null | grep -q 'is running' && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    printenv_log "cupsd on port $port did not start"
    cat "$dir/log/cupsd.out" "$dir/log/error_log" >&2 2>/dev/null
    return 1
}

# How far cupsd is with QUEUE, from its log since line FROM: 0 ready, 1 still
# working on it, 2 gave up (an error line names the queue).
printenv_queue_state() {
    local log=$1 from=$2 queue=$3 lines
    lines=$(tail -n "+$from" "$log" 2>/dev/null)
    grep -qF "Printer \"$queue\" is now available." <<<"$lines" && return 0
    grep -q "^E .* $queue: " <<<"$lines" && return 2
    return 1
}

printenv_add_queue() {
    local cupsport=$1 queue=$2 printerport=$3
    local dir log from i rc=1
    eval "dir=\${PRINTENV_CUPSD_DIR_$cupsport:-}"
    log=$dir/log/error_log
    from=$(($(wc -l <"$log" 2>/dev/null || echo 0) + 1))
    lpadmin -h "localhost:$cupsport" -p "$queue" -E \
        -v "ipp://localhost:$printerport/ipp/print" -m everywhere || return 1
    # "-m everywhere" returns before the queue has its driver: cupsd asks
    # the printer and writes the PPD in a thread of its own (CUPS 2.4,
    # scheduler/ipp.c), and until then the queue is raw. When that thread
    # finishes it also sets the queue idle and accepting, undoing a
    # cupsdisable sent meanwhile. On a warm machine the thread mostly won
    # the race; on a cold first run it lost, and a badge sent to the
    # "stopped" queue printed. The thread's last act is the log line
    # 'Printer "QUEUE" is now available.': wait for it (the cap is only
    # there so a broken setup fails).
    for i in $(seq 1 1200); do
        printenv_queue_state "$log" "$from" "$queue"
        rc=$?
        [ "$rc" = 1 ] || break
        sleep 0.1
    done
    [ "$rc" = 0 ] && return 0
    printenv_log "cupsd did not set up queue $queue"
    tail -n "+$from" "$log" >&2
    return 1
}

printenv_kill() {
    local pid=$1 i
    kill "$pid" 2>/dev/null || return 0
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
}

printenv_stop() {
    local pid reversed=""
    # Newest first: printers before the bus they announce themselves on.
    for pid in $PRINTENV_PIDS; do
        reversed="$pid $reversed"
    done
    for pid in $reversed; do
        printenv_kill "$pid"
    done
    PRINTENV_PIDS=""
PRINTENV_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    [ -n "${PRINTENV_STARTED_DBUS:-}" ] && rm -f /run/dbus/pid
    PRINTENV_STARTED_DBUS=""
    PRINTENV_STARTED_AVAHI=""
}
