"""The audit log: one JSON line per event under the data dir, appended and synced to disk.

Events: logins (success and failure), questions with their answers and citations, feedback.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Any


class AuditLog:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "audit.jsonl"
        self._lock = threading.Lock()

    def record(self, event: str, user: str, **fields: Any) -> str:
        """Append one record and return its id; the line is on disk when this returns."""
        entry = {"id": uuid.uuid4().hex, "time": time.time(), "event": event, "user": user}
        entry.update(fields)
        line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
        with self._lock:
            # O_APPEND makes each write land whole at the end, also across processes.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        return str(entry["id"])

    def recent(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest records first."""
        if not self.path.is_file():
            return []
        with self.path.open(encoding="utf-8") as handle:
            last = deque(handle, maxlen=limit)
        return [json.loads(line) for line in reversed(last) if line.strip()]
