"""Word's automatic heading numbering, rebuilt from the numbering definitions (a DOCX built
with python-docx whose heading styles carry a three-level decimal list, as Word writes one)."""

from pathlib import Path
from typing import Any

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from ingest.model import BlockKind
from ingest.numbering import _format
from ingest.readers import read_document
from ui.components import Components


def _element(tag: str, **attributes: str) -> Any:
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), value)
    return element


def numbered_docx(path: Path, formats: tuple[str, str, str] = ("%1", "%1.%2", "%1.%2.%3")) -> Path:
    document = docx.Document()
    numbering = document.part.numbering_part.element
    abstract = _element("w:abstractNum", abstractNumId="90")
    for ilvl, text in enumerate(formats):
        level = _element("w:lvl", ilvl=str(ilvl))
        level.append(_element("w:start", val="1"))
        level.append(_element("w:numFmt", val="decimal"))
        level.append(_element("w:lvlText", val=text))
        abstract.append(level)
    numbering.insert(0, abstract)  # abstract definitions come before the lists that use them
    listing = _element("w:num", numId="90")
    listing.append(_element("w:abstractNumId", val="90"))
    numbering.append(listing)
    for depth in (1, 2, 3):
        properties = document.styles[f"Heading {depth}"].element.get_or_add_pPr()
        number = _element("w:numPr")
        number.append(_element("w:ilvl", val=str(depth - 1)))
        number.append(_element("w:numId", val="90"))
        properties.insert(0, number)
    document.add_paragraph("数字证书管理规范", style="Title")
    document.add_heading("范围", 1)
    document.add_paragraph("本规范适用于公司内部签发的全部数字证书。")
    document.add_heading("术语", 1)
    document.add_heading("证书", 2)
    document.add_heading("有效期", 3)
    document.add_paragraph("服务器证书的有效期为 2 年，到期前 30 天续期。")
    document.add_heading("吊销", 3)
    document.add_heading("密钥", 2)
    document.add_heading("长度", 3)
    document.add_paragraph("RSA 密钥长度不少于 3072 位。")
    document.save(str(path))
    return path


def test_headings_carry_the_numbers_word_shows(tmp_path: Path) -> None:
    parsed = read_document(numbered_docx(tmp_path / "spec.docx"))
    headings = [b.text for b in parsed.blocks if b.kind is BlockKind.HEADING and b.level > 0]
    assert headings[1:] == [
        "1 范围",
        "2 术语",
        "2.1 证书",
        "2.1.1 有效期",
        "2.1.2 吊销",
        "2.2 密钥",
        "2.2.1 长度",
    ]


def test_the_title_comes_from_the_title_style_not_the_first_heading(tmp_path: Path) -> None:
    assert read_document(numbered_docx(tmp_path / "spec.docx")).title == "数字证书管理规范"


def test_chunks_cite_the_numbered_section_and_its_path(
    tmp_path: Path, components: Components
) -> None:
    components.ingestor().ingest([numbered_docx(tmp_path / "spec.docx")], "default")
    (found, *_) = components.retriever().search("服务器证书的有效期是多久？", 3, None)
    assert found.section == "2.1.1 有效期"


def test_number_formats_read_as_word_shows_them() -> None:
    assert [_format(n, "upperLetter") for n in (1, 26, 27)] == ["A", "Z", "AA"]
    assert [_format(n, "lowerRoman") for n in (4, 9, 14)] == ["iv", "ix", "xiv"]
    assert [_format(n, "chineseCounting") for n in (1, 10, 12, 20, 35)] == [
        "一",
        "十",
        "十二",
        "二十",
        "三十五",
    ]
