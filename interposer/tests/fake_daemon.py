#!/usr/bin/env python3
"""A stand-in for the Styxy daemon's Unix socket, for the interposer's tests and benchmark.

It speaks the line protocol of docs/protocol.md (PING, REASSIGN, RELEASE), leases genuinely
free ports (probed on 0.0.0.0 and ::), never hands the same port out twice, and writes every
event to a log the tests read:

    + connect            a client connected
    > <request line>     a request, logged before it is answered
    < <answer line>      the answer sent

Modes:
    normal        answer REASSIGN with a free port above the asked one
    hold          as normal, but hold every answer until the file --go exists, so a test can
                  act while an exchange is surely in flight, then release it at once
    refuse        answer every REASSIGN with ERR
    hang          accept and read, never answer
    race          the first answer names a port this daemon keeps busy, then as normal
    always-busy   every answer names one of three ports this daemon keeps busy
    garbage       answer each REASSIGN with the next malformed line of GARBAGE
"""
import argparse
import errno
import os
import selectors
import socket

# Each answer must be refused by a strict parser. "{free}" becomes a port that is really
# free, so a parser that wrongly accepted the line would make the bind succeed.
GARBAGE = [
    b"OK port=65536 type=t lock=l1\n",
    b"OK port=0 type=t lock=l1\n",
    b"OK port=0{free} type=t\n",
    b"OK port=+{free}\n",
    b"OK port=-1\n",
    b"OK port={free}x\n",
    b"OK port=123456\n",
    b"OK port=\n",
    b"OK  port={free}\n",
    b"OK port={free} \n",
    b"OK port={free}\r\n",
    b"OK port={free} port={free}\n",
    b"OK type=t lock=l1\n",
    b"OK\n",
    b"PONG port={free}\n",
    b"OK port={free}\nOK port={free}\n",
    b"OK port={free} note=" + b"x" * 1100 + b"\n",
    b"OK port={free}",  # no newline, then the connection closes
]


def port_is_free(port, kind):
    """Free for a server on any address of either family (see landscape.md 4.1)."""
    for family, host in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        try:
            s = socket.socket(family, kind)
        except OSError:
            continue  # no IPv6 on this host
        try:
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((host, port))
        except OSError as e:
            if e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
                continue
            return False
        finally:
            s.close()
    return True


class Daemon:
    """One thread, one selector: a request costs the daemon a single wake-up, which keeps it
    quick to answer even on a loaded machine (the library gives it 150 ms)."""

    def __init__(self, path, args):
        self.args = args
        self.log_fd = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self.leases = {}  # lock id -> port
        self.leased = set()
        self.cursor = {}  # (asked, proto) -> last port given
        self.serial = 0
        self.answers = 0
        self.held = []  # sockets this daemon keeps busy (race, always-busy)
        if args.mode == "race":
            self.held = [self.hold_port()]
        elif args.mode == "always-busy":
            self.held = [self.hold_port() for _ in range(3)]
        if args.mode == "garbage":
            self.log("# garbage-variants %d" % len(GARBAGE))
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        # A small listen backlog on purpose: a burst of conflicts (the 16-thread test)
        # overflows it, and the library must treat that as "busy", not "down".
        self.listener.listen(4)
        self.listener.setblocking(False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.held_answers = []  # (connection, answer) waiting for the --go file

    def hold_port(self):
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)  # busy in both families
        s.bind(("::", 0))
        s.listen()
        return s

    def log(self, text):
        os.write(self.log_fd, (text + "\n").encode("utf-8", "replace"))

    def new_lock(self, port):
        self.serial += 1
        lock = "lease-%d" % self.serial
        self.leases[lock] = port
        self.leased.add(port)
        return lock

    def free_port(self, asked, proto):
        kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
        port = self.cursor.get((asked, proto), asked)
        for _ in range(65535):
            port = port + 1 if port < 65535 else 1024
            if port not in self.leased and port != asked and port_is_free(port, kind):
                self.cursor[(asked, proto)] = port
                return port
        return None

    def answer(self, line):
        """The answer bytes, or None to never answer."""
        verb, _, rest = line.partition(" ")
        fields = dict(t.split("=", 1) for t in rest.split(" ") if "=" in t)
        if verb == "PING":
            return b"OK pong version=1\n"
        if verb == "RELEASE":
            port = self.leases.pop(fields.get("lock", ""), None)
            if port is None:
                return b"ERR code=NOT_FOUND no such lease\n"
            self.leased.discard(port)
            return b"OK port=%d\n" % port
        if verb != "REASSIGN":
            return b"ERR code=UNKNOWN_VERB unknown verb\n"
        mode = self.args.mode
        if mode == "hang":
            return None
        if mode == "refuse":
            return b"ERR code=EXHAUSTED no free port (test daemon refuses)\n"
        try:
            asked = int(fields["port"])
            proto = fields["proto"]
        except (KeyError, ValueError):
            return b"ERR code=BAD_REQUEST pid, port and proto are required\n"
        n = self.answers
        self.answers += 1
        failed = fields.get("failed")
        if failed is not None:
            for lock, port in list(self.leases.items()):
                if str(port) == failed:
                    del self.leases[lock]
                    self.leased.discard(port)
        if mode == "garbage":
            text = GARBAGE[n % len(GARBAGE)]
            return text.replace(b"{free}", b"%d" % self.free_port(asked, proto))
        if mode == "always-busy" or (mode == "race" and n == 0):
            port = self.held[n % len(self.held)].getsockname()[1]
        else:
            port = self.free_port(asked, proto)
            if port is None:
                return b"ERR code=EXHAUSTED no free port\n"
        lock = self.new_lock(port)
        return b"OK port=%d type=test lock=%s\n" % (port, lock.encode())

    def send(self, conn, answer):
        # Logged before it is sent, so the log is complete when the client returns.
        self.log("< " + answer.decode("utf-8", "replace").rstrip("\n"))
        try:
            conn.sendall(answer)  # a few bytes: fits in the socket buffer at once
        except OSError:
            self.drop(conn)
            return
        if not answer.endswith(b"\n"):
            self.drop(conn)

    def drop(self, conn):
        try:
            self.selector.unregister(conn)
        except (KeyError, ValueError):
            pass
        conn.close()

    def on_readable(self, conn, state):
        try:
            data = conn.recv(4096)
        except OSError:
            data = b""
        if not data:
            self.drop(conn)
            return
        if state["hung"]:
            return  # hold the connection until the client gives up
        state["buf"] += data
        while b"\n" in state["buf"]:
            raw, _, state["buf"] = state["buf"].partition(b"\n")
            line = raw.decode("utf-8", "replace")
            self.log("> " + line)
            answer = self.answer(line)
            if answer is None:
                state["hung"] = True
                return
            if self.args.mode == "hold" and not os.path.exists(self.args.go):
                self.held_answers.append((conn, answer))
            else:
                self.send(conn, answer)

    def serve_forever(self):
        while True:
            timeout = 0.001 if self.held_answers else None  # poll for --go meanwhile
            for key, _ in self.selector.select(timeout):
                if key.fileobj is self.listener:
                    while True:
                        try:
                            conn, _ = self.listener.accept()
                        except BlockingIOError:
                            break
                        conn.setblocking(False)
                        self.log("+ connect")
                        self.selector.register(conn, selectors.EVENT_READ,
                                               {"buf": b"", "hung": False})
                else:
                    self.on_readable(key.fileobj, key.data)
            if self.held_answers and os.path.exists(self.args.go):
                for conn, answer in self.held_answers:
                    if conn.fileno() >= 0:
                        self.send(conn, answer)
                self.held_answers = []


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--socket", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--ready", help="file created once the socket accepts connections")
    p.add_argument("--mode", default="normal",
                   choices=["normal", "hold", "refuse", "hang", "race", "always-busy", "garbage"])
    p.add_argument("--go", help="hold mode: answers wait until this file exists")
    args = p.parse_args()
    if args.mode == "hold" and not args.go:
        p.error("--mode hold needs --go")
    try:
        os.unlink(args.socket)
    except FileNotFoundError:
        pass
    old = os.umask(0o077)
    server = Daemon(args.socket, args)
    os.umask(old)
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("%d\n" % os.getpid())
    server.serve_forever()


if __name__ == "__main__":
    main()
