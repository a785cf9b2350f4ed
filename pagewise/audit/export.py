"""Exporting records for compliance: a date range, as JSON lines or as CSV for spreadsheets."""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from pagewise.audit.chain import all_files, parse
from pagewise.errors import PagewiseError

log = logging.getLogger(__name__)


def export(
    folder: Path, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Records, oldest first, with ``start <= time < end``; naive datetimes are local time."""
    low = start.timestamp() if start else float("-inf")
    high = end.timestamp() if end else float("inf")
    for path in all_files(folder) if folder.is_dir() else []:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                record = parse(raw) if raw.strip() else None
                if record is None:
                    if raw.strip():
                        log.warning("export: %s line %d is not a record, skipped", path, number)
                    continue
                when = record.get("time")
                if isinstance(when, int | float) and low <= when < high:
                    yield record


CSV_COLUMNS = (
    "time",
    "seq",
    "id",
    "event",
    "user",
    "groups",
    "client",
    "question",
    "answer",
    "citations",
    "model",
    "latency_ms",
    "ref",
    "helpful",
    "reason",
    "error",
    "other",
)
_CHAIN_ONLY = {"prev", "hash", "alg", "kid"}  # for verify, not for readers of a spreadsheet


def write_csv(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """One row a record; fields without a column go to ``other`` as JSON. Returns the rows."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for record in records:
        writer.writerow([_cell(v) for v in _csv_row(record)])
        rows += 1
    return rows


def _csv_row(record: dict[str, Any]) -> list[Any]:
    when = record.get("time")
    iso = (
        dt.datetime.fromtimestamp(when, tz=dt.UTC).astimezone().isoformat(timespec="milliseconds")
        if isinstance(when, int | float)
        else ""
    )
    citations = "; ".join(
        f"{c.get('doc', '')} p.{c.get('page', '')}"
        for c in record.get("citations") or []
        if isinstance(c, dict)
    )
    groups = record.get("groups")
    named = set(CSV_COLUMNS) | _CHAIN_ONLY
    other = {k: v for k, v in record.items() if k not in named}
    fixed = {
        "time": iso,
        "groups": "; ".join(map(str, groups)) if isinstance(groups, list) else groups,
        "citations": citations,
        "other": json.dumps(other, ensure_ascii=False, sort_keys=True) if other else "",
    }
    return [fixed[c] if c in fixed else record.get(c, "") for c in CSV_COLUMNS]


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A question typed as "=HYPERLINK(...)" must not run as a formula when a spreadsheet opens
    # the export; the JSON lines export keeps the exact text.
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def day_range(first: str | None, last: str | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``--from``/``--to`` days (YYYY-MM-DD, local) as export's start and exclusive end."""
    start = _day(first, "--from")
    end = _day(last, "--to")
    if start and end and end < start:
        raise PagewiseError(f"--to {last} is before --from {first}; swap the dates")
    # --to names a day: everything up to the end of that day.
    return start, end + dt.timedelta(days=1) if end else None


def _day(text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise PagewiseError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD") from None


def write_export(records: Iterable[dict[str, Any]], out: TextIO, as_csv: bool) -> int:
    """Write records as CSV or JSON lines; returns how many."""
    if as_csv:
        return write_csv(records, out)
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
