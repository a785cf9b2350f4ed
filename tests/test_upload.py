"""The admin upload: names, sizes and contents are checked before anything is written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from test_portal import _login, plain, portal  # noqa: F401  (the portal fixture)

from ingest.filetype import content_problem, name_problem, upload_problem
from ingest.limits import FileLimits, check_upload
from pagewise.audit.log import AuditLog
from pagewise.catalog import check_collection_name
from pagewise.errors import ConfigError, DocumentError

MB = 1_000_000


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("name", ["..", ".", "...", ".hidden", "a/b", "a\\b", "x.", "", "a" * 65])
def test_unsafe_collection_names_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="not a collection name"):
        check_collection_name(name)


@pytest.mark.parametrize("name", ["engineering", "finance-2026", "v1.2_docs", "工程部"])
def test_ordinary_collection_names_pass(name: str) -> None:
    assert check_collection_name(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../escape.pdf", "folder"),
        ("..", "folder"),
        ("sub/manual.pdf", "folder"),
        ("c:\\manual.pdf", "folder"),
        (".bashrc.txt", "start with '.'"),
        ("run.exe", "not a supported kind"),
        ("noext", "not a supported kind"),
        ("bell\x07.pdf", "control"),
        ("rtl\u202emanual.txt", "control or invisible"),
    ],
)
def test_unsafe_file_names_are_refused(name: str, message: str) -> None:
    assert message in (name_problem(name) or "")


def test_real_manuals_pass_by_their_bytes(fixtures: Path) -> None:
    for name in ("manual.pdf", "handbook.docx", "guide.md", "notes.txt"):
        data = (fixtures / name).read_bytes()
        assert upload_problem(name, data, 50 * MB) is None, name


def test_a_file_that_is_not_what_its_extension_says_is_refused(fixtures: Path) -> None:
    docx = (fixtures / "handbook.docx").read_bytes()
    assert content_problem(".pdf", (fixtures / "not-a-pdf.pdf").read_bytes()) == (
        "the file is not a PDF (no %PDF- header)"
    )
    assert content_problem(".xlsx", docx) == "the file is a DOCX, not a XLSX"
    assert content_problem(".pptx", docx) == "the file is a DOCX, not a PPTX"
    assert content_problem(".docx", b"MZ\x90\x00" + b"\x00" * 100) == (
        "the file is not a DOCX (not a readable zip container)"
    )
    assert "no [Content_Types].xml" in (content_problem(".docx", _zip({"a.txt": b"x"})) or "")
    assert "NUL" in (content_problem(".txt", b"MZ\x00\x00binary") or "")
    assert "neither UTF-8 nor GB18030" in (content_problem(".md", b"\xff\xfe\xff\x80\x81") or "")
    assert content_problem(".txt", "中文手册".encode("gb18030")) is None


def test_a_zip_bomb_is_refused_before_it_is_opened() -> None:
    types = b'<Types><Override ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'  # noqa: E501
    bomb = _zip({"[Content_Types].xml": types, "word/document.xml": b"\x00" * (200 * MB)})
    assert len(bomb) < MB
    with pytest.raises(DocumentError, match="zip bomb"):
        check_upload("bomb.docx", bomb, FileLimits())


def test_the_size_limit_is_checked_first() -> None:
    assert "over the upload limit of 1 MB" in (upload_problem("big.txt", b"a" * (MB + 1), MB) or "")


def test_the_portal_refuses_dot_dot_and_writes_nothing(portal: Path) -> None:  # noqa: F811
    carol = _login("carol", "carol-demo")
    carol.radio(key="page").set_value("admin").run()
    carol.text_input[0].input("..").run()
    carol.file_uploader[0].set_value(("x.md", b"# hello\n\ntext\n", "text/markdown")).run()
    next(b for b in carol.button if b.label == "Ingest").click().run()
    assert not carol.exception
    assert any("not a collection name" in e.value for e in carol.error)
    assert not (portal / "x.md").exists() and not (portal / "manuals").exists()


def test_the_portal_stores_only_files_that_are_what_they_say(
    portal: Path,  # noqa: F811
    fixtures: Path,
) -> None:
    carol = _login("carol", "carol-demo")
    carol.radio(key="page").set_value("admin").run()
    carol.text_input[0].input("engineering").run()
    carol.file_uploader[0].set_value(
        [
            ("guide.md", (fixtures / "guide.md").read_bytes(), "text/markdown"),
            ("fake.pdf", b"<html>not a pdf</html>", "application/pdf"),
            ("sheet.xlsx", (fixtures / "handbook.docx").read_bytes(), "application/zip"),
        ]
    ).run()
    next(b for b in carol.button if b.label == "Ingest").click().run()
    assert not carol.exception
    (warning,) = carol.warning
    assert "fake.pdf: refused, the file is not a PDF" in plain(warning.value)
    assert "sheet.xlsx: refused, the file is a DOCX, not a XLSX" in plain(warning.value)
    stored = sorted(p.name for p in (portal / "manuals" / "engineering").iterdir())
    assert stored == ["guide.md"]
    ingest = next(r for r in AuditLog(portal / "audit").recent() if r["event"] == "ingest")
    assert ingest["files"][0] == "guide.md: added" and len(ingest["files"]) == 3


def test_the_upload_limit_is_a_setting(
    portal: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import streamlit as st

    monkeypatch.setenv("PAGEWISE_UPLOAD_MAX_MB", "0.001")  # 1 KB
    st.cache_resource.clear()
    carol = _login("carol", "carol-demo")
    carol.radio(key="page").set_value("admin").run()
    carol.file_uploader[0].set_value(("big.txt", b"text " * 400, "text/plain")).run()
    next(b for b in carol.button if b.label == "Ingest").click().run()
    assert any(
        "0.002 MB is over the upload limit of 0.001 MB" in plain(w.value) for w in carol.warning
    )
    assert not (portal / "manuals" / "default" / "big.txt").exists()
