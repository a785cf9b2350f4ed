"""Redacting an answer while it streams, so that no sensitive word is ever shown, not even in
part: the newest characters are held back until no listed word can still be completing."""

from __future__ import annotations

from pagewise.sensitive import SensitiveWords

# Characters held back while the model writes, so that a sensitive word (with spaces or
# punctuation slipped between its characters) is whole before it is shown.
STREAM_HOLD_BACK = 48


class StreamRedactor:
    """Feed the model's pieces in; get back the redacted text that is safe to show so far."""

    def __init__(self, sensitive: SensitiveWords, hold_back: int = STREAM_HOLD_BACK) -> None:
        self.sensitive = sensitive
        # With no sensitive words there is nothing to wait for.
        self.hold_back = hold_back if len(sensitive) else 0
        self.pieces: list[str] = []
        self.shown = 0

    @property
    def raw(self) -> str:
        return "".join(self.pieces)

    def feed(self, piece: str) -> str:
        """The newly showable text after ``piece`` (may be empty)."""
        self.pieces.append(piece)
        safe = self._redacted(self.raw)
        visible = len(safe) - self.hold_back
        if visible <= self.shown:
            return ""
        new = safe[self.shown : visible]
        self.shown = visible
        return new

    def finish(self) -> str:
        """The rest of the text once the model is done."""
        tail = self._redacted(self.raw)[self.shown :]
        self.shown += len(tail)
        return tail

    def _redacted(self, text: str) -> str:
        return self.sensitive.redact(text) if self.hold_back else text
