"""An upstream API for the gateway suites, on Python's http.server (HTTP/1.1, keep-alive, a thread
per connection).

Usage: upstream.py LOG_FILE
Prints "serving on http://127.0.0.1:PORT" once listening. Every request it receives is appended to
LOG_FILE as one JSON line (method, raw target, headers as sent, body length and SHA-256), so a test
can tell what reached it and what did not.

  /v1/large?bytes=N   N bytes (deterministic), chunked, in 64 KiB writes; X-Body-Sha256 says their hash
  /v1/held?id=ID      "first\\n", then nothing until /v1/release?id=ID is asked, then "rest\\n" (chunked)
  /v1/release?id=ID   lets /v1/held?id=ID finish
  /v1/slow?seconds=S  answers after S seconds
  /v1/teapot          418 with custom headers, two Set-Cookie, and a hop-by-hop header named in Connection
  anything else       200, JSON: what was received
"""
import hashlib
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log_path = sys.argv[1]
log_lock = threading.Lock()
held = {}
held_lock = threading.Lock()


def event_for(key):
    with held_lock:
        return held.setdefault(key, threading.Event())


def pattern(size):
    block = hashlib.sha256(b"countersign").digest() * 2048  # 64 KiB
    out = bytearray()
    while len(out) < size:
        out += block
    return bytes(out[:size])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(body)
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_chunks(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def handle_any(self):
        body = self.read_body()
        record = {
            "method": self.command,
            "target": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body_length": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
        }
        with log_lock, open(log_path, "a") as log:
            log.write(json.dumps(record) + "\n")
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/v1/large":
            size = int(query.get("bytes", "0"))
            data = pattern(size)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("X-Body-Sha256", hashlib.sha256(data).hexdigest())
            self.end_headers()
            for start in range(0, size, 65536):
                self.send_chunk(data[start:start + 65536])
            self.end_chunks()
        elif url.path == "/v1/held":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.send_chunk(b"first\n")
            event_for(query.get("id", "")).wait(30)
            self.send_chunk(b"rest\n")
            self.end_chunks()
        elif url.path == "/v1/release":
            event_for(query.get("id", "")).set()
            self.answer(200, b"released\n", "text/plain")
        elif url.path == "/v1/slow":
            time.sleep(float(query.get("seconds", "5")))
            self.answer(200, b"slow\n", "text/plain")
        elif url.path == "/v1/teapot":
            self.send_response(418, "I'm a teapot")
            self.send_header("Content-Type", "text/plain")
            self.send_header("X-Upstream-Header", "kept")
            self.send_header("Set-Cookie", "a=1; Path=/")
            self.send_header("Set-Cookie", "b=2; Path=/")
            self.send_header("Connection", "X-Hop-Only")
            self.send_header("X-Hop-Only", "dropped")
            self.send_header("Keep-Alive", "timeout=99")
            self.send_header("Content-Length", "7")
            self.end_headers()
            self.wfile.write(b"teapot\n")
        else:
            text = json.dumps(record).encode()
            self.answer(200, text, "application/json")

    def answer(self, status, data, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"serving on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
