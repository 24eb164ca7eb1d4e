#!/usr/bin/env python3
"""tcpproxy: a TCP proxy the shared-store tests control, to cut the network
between a kiosk and the database server in the ways real networks fail.

    tcpproxy.py TARGET_HOST TARGET_PORT PORT_FILE

listens on 127.0.0.1 (a port the system picks) and forwards each connection
to TARGET. When it is ready it writes "LISTEN_PORT CONTROL_PORT" to
PORT_FILE. A test sends one command a line to CONTROL_PORT (loopback) and
reads "ok" once the proxy has acted on it:

    pass       forward everything (the start): held connections are closed
    refuse     close the listening socket: new connections are refused
               (ECONNREFUSED), existing ones go on
    drop       reset every connection now (as a server restart does); the
               mode stays
    blackhole  accept new connections and never forward them; stop
               forwarding on existing ones in both directions, so a reply
               in flight never arrives (a pulled cable, a stalled server)
    noreply [TEXT]
               forward what clients send, throw away what the server sends
               back: a request is carried out, its answer lost. With TEXT,
               answers pass until one holds TEXT; that one and all after it
               on the same connection are lost (the answer to one chosen
               statement, after those before it were answered)
    count      answers "ok N": connections accepted so far

Standard library only; one thread, select(). Stopped by SIGTERM (the tests
stop it by its PID).
"""
import os
import select
import signal
import socket
import sys


class Pair:
    def __init__(self, client, server):
        self.client = client
        self.server = server
        self.silenced = False


def main():
    target = (sys.argv[1], int(sys.argv[2]))
    port_file = sys.argv[3]

    def listener(port=0):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(128)
        return s

    lsock = listener()
    port = lsock.getsockname()[1]
    ctl = listener()
    with open(port_file + ".tmp", "w") as f:
        f.write("%d %d\n" % (port, ctl.getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    mode = "pass"
    match = b""  # noreply's TEXT
    pairs = []
    held = []  # accepted in blackhole mode, never forwarded
    controls = {}  # socket -> bytes read so far
    accepted = 0

    def reset(sock):
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        sock.close()

    def close_pair(p):
        if p in pairs:
            pairs.remove(p)
        p.client.close()
        p.server.close()

    def command(line):
        nonlocal mode, lsock, held, match
        if line == "count":
            return "ok %d" % accepted
        if line == "drop":
            for p in list(pairs):
                reset(p.client)
                reset(p.server)
            pairs.clear()
            for h in held:
                reset(h)
            held = []
            return "ok"
        word, _, arg = line.partition(" ")
        if word == "noreply":
            match = arg.encode()
            for p in pairs:
                p.silenced = False
            line = word
        if line not in ("pass", "refuse", "blackhole", "noreply"):
            return "unknown command"
        if line != "refuse" and lsock is None:
            lsock = listener(port)
        if line == "refuse" and lsock is not None:
            lsock.close()
            lsock = None
        if line == "pass":
            for h in held:
                h.close()
            held = []
        mode = line
        return "ok"

    while True:
        rd = [ctl] + list(controls)
        if lsock is not None:
            rd.append(lsock)
        if mode != "blackhole":
            for p in pairs:
                rd += [p.client, p.server]
        ready, _, _ = select.select(rd, [], [], 1.0)
        for s in ready:
            if s is ctl:
                c, _ = ctl.accept()
                controls[c] = b""
            elif s is lsock:
                c, _ = lsock.accept()
                accepted += 1
                if mode == "blackhole":
                    held.append(c)
                    continue
                try:
                    up = socket.create_connection(target, timeout=5)
                    up.settimeout(None)
                except OSError:
                    reset(c)
                    continue
                pairs.append(Pair(c, up))
            elif s in controls:
                data = s.recv(4096)
                if not data:
                    del controls[s]
                    s.close()
                    continue
                buf = controls[s] + data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    answer = command(line.decode().strip())
                    s.sendall((answer + "\n").encode())
                controls[s] = buf
            else:
                pair = next((p for p in pairs if s is p.client or s is p.server), None)
                if pair is None:
                    continue  # closed earlier in this round
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    close_pair(pair)
                    continue
                if s is pair.server and mode == "noreply":
                    if not match or match in data:
                        pair.silenced = True
                    if pair.silenced:
                        continue  # the answer is lost on the way
                other = pair.server if s is pair.client else pair.client
                try:
                    other.sendall(data)
                except OSError:
                    close_pair(pair)


if __name__ == "__main__":
    main()
