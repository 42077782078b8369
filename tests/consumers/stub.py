"""A minimal OpenAI-compatible server for tests, on 127.0.0.1 at a free port (printed): answers
chat and completion requests at once and appends to LOG when each arrived (monotonic seconds),
its path, model and max_tokens. Runs until killed.

    python3 stub.py LOG
"""
import argparse, json, time, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("log")
log_path = ap.parse_args().log
lock = threading.Lock()

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": "gpt0", "object": "model"}]}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        t = time.monotonic()
        n = int(self.headers.get("Content-Length", 0))
        req = json.loads(self.rfile.read(n) or b"{}")
        with lock, open(log_path, "a") as f:
            f.write(json.dumps({"t": t, "path": self.path, "model": req.get("model"),
                                "max_tokens": req.get("max_tokens", req.get("max_completion_tokens"))}) + "\n")
        out = max(1, int(req.get("max_tokens") or req.get("max_completion_tokens") or 1))
        if "chat" in self.path:
            choice = {"index": 0, "message": {"role": "assistant", "content": "ok " * out}, "finish_reason": "length"}
            obj = "chat.completion"
        else:
            choice = {"index": 0, "text": "ok " * out, "finish_reason": "length"}
            obj = "text_completion"
        body = json.dumps({"id": "x", "object": obj, "created": int(time.time()), "model": req.get("model"),
                           "choices": [choice], "usage": {"prompt_tokens": 1, "completion_tokens": out, "total_tokens": out + 1}}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
