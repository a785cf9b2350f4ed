"""What an ingest run reports, file by file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class FileReport:
    path: str
    status: str  # added, updated, unchanged, failed, removed
    pages: int = 0
    chunks: int = 0
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class IngestSummary:
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def pages(self) -> int:
        return sum(f.pages for f in self.files if f.status in ("added", "updated"))

    @property
    def chunks(self) -> int:
        return sum(f.chunks for f in self.files if f.status in ("added", "updated"))

    @property
    def failed(self) -> bool:
        return self.count("failed") > 0

    def as_dict(self) -> dict[str, object]:
        statuses = ("added", "updated", "unchanged", "removed", "failed")
        return {
            **{status: self.count(status) for status in statuses},
            "pages": self.pages,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
            "files": [asdict(f) for f in self.files],
        }
