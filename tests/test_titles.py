"""Document titles from the real shared manuals: metadata unless it names a file or a tool's
default, else the cover's largest text; never a folio or the first heading."""

from collections.abc import Callable

import pytest

from ingest.model import ParsedDocument


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("edumips64-doc-sphinx-en.pdf", "EduMIPS64 Documentation"),  # metadata
        ("edumips64-manual-2007-en.pdf", "EduMIPS64 User Manual"),  # metadata is "manual.dvi"
        ("openeuler-hardening-zh.pdf", "安全加固指南"),
        ("openchain-iso5230-overview-zh.pptx", "ISO/IEC 5230开源许可合规性"),
    ],
)
def test_the_title_is_the_manuals_own(
    name: str, title: str, shared_doc: Callable[[str], ParsedDocument]
) -> None:
    assert shared_doc(name).title == title
