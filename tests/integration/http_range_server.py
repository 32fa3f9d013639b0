#!/usr/bin/python3
# http_range_server.py - a small HTTP server on 127.0.0.1 for test_firmware: serves one
# file at any path with Range support (206), prints its port on stdout, and logs each
# request's Range header (a line per request) to stderr.
#
# Usage: http_range_server.py FILE [--cut-after N] [--no-range]
#   --cut-after N  the first response is cut (connection closed) after N body bytes
#   --no-range     ranges are ignored: always 200 with the whole file
#   --slow         the body comes in 64 KiB pieces 50 ms apart (about 1.3 MB/s)
import http.server
import re
import socketserver
import sys
import time

path = sys.argv[1]
cut_after = None
no_range = "--no-range" in sys.argv
slow = "--slow" in sys.argv
if "--cut-after" in sys.argv:
    cut_after = int(sys.argv[sys.argv.index("--cut-after") + 1])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        global cut_after
        if self.path.endswith("/missing"):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = f.read()
        rng = self.headers.get("Range")
        sys.stderr.write("GET %s Range=%s\n" % (self.path, rng))
        sys.stderr.flush()
        start = 0
        m = re.match(r"bytes=(\d+)-$", rng or "")
        if m and not no_range:
            start = int(m.group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
            self.send_header("Accept-Ranges", "none" if no_range else "bytes")
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut_after is not None:
            n, cut_after = cut_after, None
            self.wfile.write(body[:n])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if slow:
            try:
                for i in range(0, len(body), 65536):
                    self.wfile.write(body[i:i + 65536])
                    self.wfile.flush()
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
try:
    sys.stdout.write("%d\n" % server.server_address[1])
    sys.stdout.flush()
    sys.stdout.close()
except BrokenPipeError:
    pass
server.serve_forever()
