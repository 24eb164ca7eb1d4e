# printenv.sh: real printers on loopback for the print tests (bash, sourced).
#
#   printenv_start_ippeveprinter NAME PORT SPOOL [CMD] [ATTRFILE] [FORMATS]
#       an IPP Everywhere printer (cups-ipp-utils) at ipp://localhost:PORT/ipp/print
#       that keeps each document in SPOOL as JOBID-JOBNAME.EXT. PORT "" picks a
#       free port (see printenv_pick_port). CMD, when given and not "", runs for
#       each document (its stderr "STATE:" lines change the printer's state
#       reasons). ATTRFILE replaces its attributes (media...); ippeveprinter
#       refuses -f together with -a, so with ATTRFILE the formats are its
#       defaults (PWG raster and URF), unless the file lists others.
#       FORMATS (without ATTRFILE) replaces image/png,image/pwg-raster,application/pdf.
#   printenv_start_cupsd PORT DIR
#       a private cupsd on localhost:PORT ("" picks one), everything under DIR;
#       exports CUPS_SERVER so clients (lpadmin, the tests) talk to it, not the
#       system's.
#   printenv_add_queue CUPSPORT QUEUE PRINTERPORT
#       a driverless queue on that cupsd for the ippeveprinter on PRINTERPORT;
#       returns once cupsd has made its driver.
#   printenv_pick_port VAR   sets VAR to a TCP port free on 127.0.0.1 and ::1
#   printenv_kill PID     stops one process this file started
#   printenv_stop         stops everything this file started, by PID
#
# After each start, PRINTENV_PORT and PRINTENV_PID are the port and process
# of what was started (and PRINTENV_PID_<port> stays set for that port);
# after a printer's, PRINTENV_URI is its ipp:// address.
#
# Ports: picked at random from 20000-31999 (below Linux's ephemeral range),
# among those nothing answers on; if another program takes the port between
# the pick and the start, the server fails to bind and exits, and the start
# is retried on another port. So a run does not depend on fixed ports being
# free, and two test runs do not talk to each other's printers.
#
# Waits are for a condition (a server answering, a driver written), never
# for a fixed time; each has a generous cap, only so that a broken setup
# fails with a message instead of hanging.
#
# ippeveprinter will not start on Debian 12 without a dbus system bus and
# avahi-daemon (PLATFORM.md), so the first printer starts them when they are
# not running, and printenv_stop stops them again only if it started them.
# They are the machine's own: that is why print suites still run under
# flock /tmp/bk-hw.lock.

PRINTENV_PIDS=""
PRINTENV_PORTS=""
PRINTENV_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PRINTENV_WAIT_SECONDS=${PRINTENV_WAIT_SECONDS:-120}

printenv_log() {
    echo "printenv: $*" >&2
}

# Runs "$@" every 0.1 s until it succeeds (0), or until the process PID (when
# not "") has exited or PRINTENV_WAIT_SECONDS have passed (1).
printenv_until() {
    local pid=$1
    shift
    local end=$((SECONDS + PRINTENV_WAIT_SECONDS))
    while :; do
        "$@" && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.1
    done
}

# Who listens on TCP port $2 (IPv4 or IPv6): 0 process $1 alone, 1 nobody,
# 2 someone else (too). Read from /proc: an answer on the port then surely
# comes from the server started here, not from another program.
printenv_port_owner() {
    local fds ino mine=0 all=0
    fds=$(ls -l "/proc/$1/fd" 2>/dev/null)
    for ino in $(awk -v p="$(printf ':%04X' "$2")" \
        '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
        all=$((all + 1))
        grep -qF "socket:[$ino]" <<<"$fds" && mine=$((mine + 1))
    done
    [ "$all" = 0 ] && return 1
    [ "$mine" = "$all" ] && return 0
    return 2
}

printenv_pick_port() {
    local var=$1 p
    while :; do
        p=$((20000 + RANDOM % 12000))
        case " $PRINTENV_PORTS " in *" $p "*) continue ;; esac
        printenv_port_owner 0 "$p"
        [ $? = 1 ] || continue
        PRINTENV_PORTS="$PRINTENV_PORTS $p"
        printf -v "$var" '%s' "$p"
        return 0
    done
}

# Waits until the server PID started on PORT is the one listening there and
# CHECK... (how it answers) succeeds: 0. 1 when it died, another program
# holds the port too (worth another port), or it never answered.
printenv_wait_serving() {
    local pid=$1 port=$2
    shift 2
    printenv_until "$pid" printenv_serving_settled "$pid" "$port" "$@"
    printenv_port_owner "$pid" "$port" && "$@"
}

printenv_serving_settled() {
    local pid=$1 port=$2
    shift 2
    printenv_port_owner "$pid" "$port"
    case $? in
    0) "$@" ;;
    1) return 1 ;;
    2) return 0 ;;
    esac
}

printenv_avahi_answers() {
    dbus-send --system --dest=org.freedesktop.Avahi --print-reply / \
        org.freedesktop.Avahi.Server.GetState >/dev/null 2>&1
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
        PRINTENV_STARTED_AVAHI=$(cat /run/avahi-daemon/pid 2>/dev/null)
        [ -n "$PRINTENV_STARTED_AVAHI" ] && PRINTENV_PIDS="$PRINTENV_PIDS $PRINTENV_STARTED_AVAHI"
    fi
    # ippeveprinter gives up at once when avahi is not on the bus yet.
    printenv_until "" printenv_avahi_answers || {
        printenv_log "avahi-daemon is not answering on the system bus"
        return 1
    }
}

# Starts a server on PORT ("" picks one, and picks again when another
# program gets the port first) and waits until it serves there:
# printenv_launch_KIND PORT starts it (setting PRINTENV_LAUNCHED to its PID),
# printenv_KIND_answers PORT says whether it answers; LOG is shown when it
# does not start.
printenv_serve() {
    local kind=$1 port=$2 log=$3 pick=0 pid owner _
    [ -n "$port" ] || pick=1
    for _ in 1 2 3 4 5; do
        [ "$pick" = 1 ] && printenv_pick_port port
        "printenv_launch_$kind" "$port"
        pid=$PRINTENV_LAUNCHED
        PRINTENV_PIDS="$PRINTENV_PIDS $pid"
        if printenv_wait_serving "$pid" "$port" "printenv_${kind}_answers" "$port"; then
            eval "PRINTENV_PID_$port=$pid"
            PRINTENV_PORT=$port PRINTENV_PID=$pid
            return 0
        fi
        printenv_port_owner "$pid" "$port"
        owner=$?
        if kill -0 "$pid" 2>/dev/null && [ "$owner" != 2 ]; then
            printenv_kill "$pid"
            break # alive and alone, yet not answering: another port would not help
        fi
        printenv_kill "$pid"
        [ "$pick" = 1 ] || break
    done
    printenv_log "$kind on port $port did not start"
    cat "$log" >&2
    return 1
}

printenv_ippeveprinter_answers() {
    ipptool -q -T 2 "ipp://localhost:$1/ipp/print" "$PRINTENV_DIR/printenv-ping.test" \
        >/dev/null 2>&1
}

# Uses printenv_start_ippeveprinter's locals.
printenv_launch_ippeveprinter() {
    local args=(-p "$1" -n localhost -d "$spool" -k)
    if [ -n "$attrs" ]; then
        args+=(-a "$attrs")
    else
        args+=(-f "$formats")
    fi
    [ -n "$cmd" ] && args+=(-c "$cmd")
    ippeveprinter "${args[@]}" "$name" >"$spool.log" 2>&1 &
    PRINTENV_LAUNCHED=$!
}

printenv_start_ippeveprinter() {
    local name=$1 port=$2 spool=$3 cmd=${4:-} attrs=${5:-}
    local formats=${6:-image/png,image/pwg-raster,application/pdf}
    printenv_start_bus || return 1
    mkdir -p "$spool"
    printenv_serve ippeveprinter "$port" "$spool.log" || return 1
    PRINTENV_URI=ipp://localhost:$PRINTENV_PORT/ipp/print
}

printenv_cupsd_answers() {
    # lpstat -r exits 0 either way; only its words tell.
    lpstat -h "localhost:$1" -r 2>/dev/null | grep -q 'is running'
}

# Uses printenv_start_cupsd's locals.
printenv_launch_cupsd() {
    cat >"$dir/cupsd.conf" <<EOF
LogLevel info
Listen localhost:$1
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
    cupsd -c "$dir/cupsd.conf" -s "$dir/cups-files.conf" -f >"$dir/log/cupsd.out" 2>&1 &
    PRINTENV_LAUNCHED=$!
}

printenv_start_cupsd() {
    local port=$1 dir=$2
    mkdir -p "$dir"/{spool/temp,cache,log,state,ppd}
    # Filters run as lp: they must reach the spool through the private tree.
    chmod 755 "$dir"
    # LogLevel info (cupsd.conf): printenv_add_queue reads when a queue is
    # ready. FatalErrors listen: a port already taken ends cupsd at once.
    # FileDevice: queues may write to file: URIs (the label-printer tests
    # read what a driver wrote).
    cat >"$dir/cups-files.conf" <<EOF
ServerRoot $dir
StateDir $dir/state
CacheDir $dir/cache
RequestRoot $dir/spool
TempDir $dir/spool/temp
AccessLog $dir/log/access_log
ErrorLog $dir/log/error_log
PageLog $dir/log/page_log
FatalErrors config listen
FileDevice Yes
Printcap
EOF
    printenv_serve cupsd "$port" "$dir/log/error_log" || return 1
    eval "PRINTENV_CUPSD_DIR_$PRINTENV_PORT=\$dir"
    export CUPS_SERVER=localhost:$PRINTENV_PORT
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

printenv_queue_settled() {
    printenv_queue_state "$@"
    [ $? != 1 ]
}

printenv_add_queue() {
    local cupsport=$1 queue=$2 printerport=$3
    local dir pid log from
    eval "dir=\${PRINTENV_CUPSD_DIR_$cupsport:-} pid=\${PRINTENV_PID_$cupsport:-}"
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
    # 'Printer "QUEUE" is now available.': wait for it.
    printenv_until "$pid" printenv_queue_settled "$log" "$from" "$queue"
    printenv_queue_state "$log" "$from" "$queue" && return 0
    printenv_log "cupsd did not set up queue $queue"
    tail -n "+$from" "$log" >&2
    return 1
}

printenv_gone() {
    ! kill -0 "$1" 2>/dev/null
}

printenv_kill() {
    local pid=$1
    kill "$pid" 2>/dev/null || return 0
    PRINTENV_WAIT_SECONDS=5 printenv_until "" printenv_gone "$pid" || kill -9 "$pid" 2>/dev/null
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
    PRINTENV_PORTS=""
    [ -n "${PRINTENV_STARTED_DBUS:-}" ] && rm -f /run/dbus/pid
    PRINTENV_STARTED_DBUS=""
    PRINTENV_STARTED_AVAHI=""
}
