#!/usr/bin/env python3
"""Does the kernel's zero-copy path pay on this machine? Sends one file over a loopback TCP
connection to a reader thread, five times each way, and prints the best throughput of:

  read+send 64KiB   read() the file in 64 KiB pieces and send() them (what tornado does)
  sendfile          os.sendfile() from the file to the socket

Usage: python3 bench/static/sendfile_probe.py FILE   (e.g. a 100 MB file from /dev/urandom)

It measures the kernel paths only (both loops are thin in Python); the result decides whether
adding a sendfile path to the connection is worth it. See docs/static.md for the figures.
"""
import os, socket, threading, time, sys
path = sys.argv[1]
size = os.path.getsize(path)
def sink(srv, out):
    c, _ = srv.accept()
    n = 0
    buf = bytearray(1 << 20)
    while True:
        k = c.recv_into(buf)
        if not k: break
        n += k
    out.append(n)
def run(mode, reps=5):
    best = 0
    for _ in range(reps):
        srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
        out = []
        t = threading.Thread(target=sink, args=(srv, out)); t.start()
        s = socket.create_connection(srv.getsockname())
        f = open(path, "rb", buffering=0)
        t0 = time.perf_counter()
        if mode == "sendfile":
            off = 0
            while off < size:
                off += os.sendfile(s.fileno(), f.fileno(), off, size - off)
        else:
            while True:
                b = f.read(65536)
                if not b: break
                s.sendall(b)
        s.close(); t.join(); dt = time.perf_counter() - t0
        assert out[0] == size
        best = max(best, size / dt / 2**20)
        f.close(); srv.close()
    return best
for m in ("read+send 64KiB", "sendfile"):
    print(f"{m:16s} {run('sendfile' if m=='sendfile' else 'copy'):8.0f} MB/s (best of 5)")
