"""A stand-in for the `vllm` command, for testing the launcher without a GPU.

``fake_vllm.py serve MODEL --host H --port P ...`` serves ``/health`` and a streaming
``/v1/chat/completions`` on loopback, demands ``VLLM_API_KEY`` when it is set, and records its
arguments next to MODEL (``argv.json``) so a test can check what it was started with.
FAKE_VLLM_FAIL=1 makes it exit at once, FAKE_VLLM_SLOW=S makes it wait S seconds before
listening.
"""

from __future__ import annotations

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> None:
    if os.environ.get("FAKE_VLLM_FAIL"):
        print("ValueError: no GPU found (fake)", flush=True)
        sys.exit(1)
    model_dir = Path(argv[1])
    options = _options(argv[2:])
    (model_dir / "argv.json").write_text(json.dumps(argv))
    time.sleep(float(os.environ.get("FAKE_VLLM_SLOW", "0")))
    key = os.environ.get("VLLM_API_KEY")
    served = {options.get("--served-model-name", str(model_dir))}
    served |= {module.split("=", 1)[0] for module in options.get("--lora-modules", "").split()}
    asked = model_dir / "models-asked.txt"

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/health" else 404)
            self.end_headers()

        def do_POST(self) -> None:
            if key and self.headers.get("Authorization") != f"Bearer {key}":
                self.send_error(401, "invalid API key")
                return
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if body.get("model") not in served:
                self.send_error(404, f"model {body.get('model')} does not exist")
                return
            with asked.open("a") as log:
                log.write(f"{body['model']}\n")
            if not body.get("stream"):
                answer = {"choices": [{"message": {"role": "assistant", "content": "pong"}}]}
                payload = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in ("不允许", "使用 [1]。"):
                chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            usage = {"choices": [], "usage": {"completion_tokens": 5}}
            self.wfile.write(f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())

    server = ThreadingHTTPServer((options["--host"], int(options["--port"])), Handler)
    print("Application startup complete.", flush=True)
    server.serve_forever()


def _options(args: list[str]) -> dict[str, str]:
    """``--name value`` pairs; a flag gets "", an option with several values gets them all."""
    options: dict[str, str] = {}
    name = ""
    for arg in args:
        if arg.startswith("--"):
            name = arg
            options[name] = ""
        else:
            options[name] = f"{options[name]} {arg}".strip()
    return options


if __name__ == "__main__":
    main(sys.argv[1:])
