"""A minimal OpenAI-compatible chat server on loopback, for testing the `openai` adapter.

It serves whatever LLM it is given (the embedded model in the tests), streaming server-sent
events as vLLM and Ollama do, and can be told to stall or to demand an API key.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from assistant.llm import LLM, Message


@contextmanager
def serve(llm: LLM, api_key: str | None = None, stall_seconds: float = 0.0) -> Iterator[str]:
    """Run the server in a thread; yields its base URL (``http://127.0.0.1:PORT/v1``)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            if self.path != "/v1/chat/completions":
                self.send_error(404, "no such endpoint")
                return
            if api_key and self.headers.get("Authorization") != f"Bearer {api_key}":
                self.send_error(401, "invalid API key")
                return
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(stall_seconds)
            messages = [Message(m["role"], m["content"]) for m in body["messages"]]
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in llm.stream(messages, body.get("max_tokens", 64), body["temperature"]):
                chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
