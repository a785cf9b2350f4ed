"""Regenerate the small test manuals under tests/fixtures/.

The generated files are committed, so tests need none of this script's extras. To run it:
    apt-get install fonts-wqy-microhei
    python -m venv /tmp/fixvenv && /tmp/fixvenv/bin/pip install fpdf2 pypdf python-docx cryptography
    /tmp/fixvenv/bin/python scripts/make_fixtures.py
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"  # Chinese and Latin glyphs in one font


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", fname=FONT)
    pdf.set_font("cjk", size=12)
    return pdf


def _lines(pdf: FPDF, lines: list[str], y: float = 30, size: int = 12) -> float:
    pdf.set_font("cjk", size=size)
    for line in lines:
        pdf.set_xy(20, y)
        pdf.cell(text=line)
        y += size * 0.6
    return y


def make_manual() -> Path:
    """Outline, /PageLabels (i, ii, 1, 2, ...), a paragraph across a page break, a blank page."""
    pdf = _pdf()
    pages = [
        ["Pagewise 示例手册", "Sample Handbook"],
        [
            "前言",
            "本手册说明示例系统的安装与安全要求。",
            "This handbook covers installation and security.",
        ],
        [
            "第一章 安装",
            "1.1 系统要求",
            "服务器至少需要 16 GB 内存和 4 个 CPU 核心。",
            "The server needs at least 16 GB of memory and 4 CPU cores.",
            "1.2 备份策略",
            "每天凌晨 2 点执行全量备份，备份文件写入独立的存储阵列，",
        ],
        [
            "并在异地机房保留一份副本，备份保留 30 天。",
            "Full backups run at 02:00 every day and are kept for 30 days.",
            "恢复演练每季度进行一次。",
        ],
        [],
        [
            "第二章 安全",
            "2.1 密码策略",
            "密码长度至少 12 位，每 90 天更换一次。",
            "Passwords must be at least 12 characters and changed every 90 days.",
        ],
    ]
    for lines in pages:
        pdf.add_page()
        if lines:
            _lines(pdf, lines)
        else:
            pdf.rect(20, 20, 100, 60)  # a drawing, no text: like a full-page figure
    raw = OUT / "manual.tmp.pdf"
    pdf.output(str(raw))

    writer = PdfWriter(clone_from=PdfReader(raw))
    writer.set_page_label(0, 1, style=PageLabelStyle.LOWERCASE_ROMAN)
    writer.set_page_label(2, 5, style=PageLabelStyle.DECIMAL, start=1)
    writer.add_outline_item(title="前言", page_number=1)
    chapter1 = writer.add_outline_item(title="第一章 安装", page_number=2)
    writer.add_outline_item(title="1.1 系统要求", page_number=2, parent=chapter1)
    writer.add_outline_item(title="1.2 备份策略", page_number=2, parent=chapter1)
    chapter2 = writer.add_outline_item(title="第二章 安全", page_number=5)
    writer.add_outline_item(title="2.1 密码策略", page_number=5, parent=chapter2)
    writer.add_metadata({"/Title": "Pagewise 示例手册"})
    target = OUT / "manual.pdf"
    with target.open("wb") as handle:
        writer.write(handle)
    raw.unlink()
    return target


def make_folio_manual() -> None:
    """No outline or labels: printed folios "N/3" from physical page 2, a running header."""
    pdf = _pdf()
    pages = [
        ["运维手册", "Operations Manual"],
        ["一、日志管理", "(一) 日志级别", "生产环境默认使用 INFO 级别。"],
        ["(二) 日志保留", "应用日志保留 180 天，审计日志保留 3 年。"],
        ["二、监控告警", "CPU 使用率连续 5 分钟超过 85% 时触发告警。"],
    ]
    for number, lines in enumerate(pages):
        pdf.add_page()
        if number == 0:
            _lines(pdf, lines, y=100, size=20)
            continue
        _lines(pdf, ["运维手册（2024 版）"], y=12, size=9)
        _lines(pdf, lines, y=30)
        _lines(pdf, [f"{number}/3"], y=280, size=9)
    pdf.output(str(OUT / "folio.pdf"))


def make_bad_pdfs(manual: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(manual))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    with (OUT / "encrypted.pdf").open("wb") as handle:
        writer.write(handle)

    data = manual.read_bytes()
    (OUT / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (OUT / "not-a-pdf.pdf").write_text("This is a plain text file with a .pdf name.\n")

    scan = _pdf()
    for _ in range(2):
        scan.add_page()
        scan.rect(10, 10, 190, 277, style="F")  # a page-sized picture and no text layer
    scan.output(str(OUT / "scanned.pdf"))


def make_docx() -> None:
    """Headings, a table, an explicit page break and Word's rendered page breaks."""
    document = docx.Document()
    document.core_properties.title = "员工手册 Employee Handbook"
    document.add_heading("第一章 入职 Onboarding", level=1)
    document.add_paragraph("新员工入职第一天需要领取工牌和笔记本电脑。")
    document.add_heading("1.1 Accounts", level=2)
    document.add_paragraph("IT creates your LDAP account within one working day.")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    heading = document.add_heading("第二章 报销 Expenses", level=1)
    # Word marks where it started a page: right after the explicit break (the same page) ...
    heading.runs[0]._r.insert(0, OxmlElement("w:lastRenderedPageBreak"))
    table = document.add_table(rows=3, cols=3)
    for row, values in zip(
        table.rows,
        [
            ("费用类型", "上限", "审批人"),
            ("差旅", "每天 500 元", "部门经理"),
            ("餐饮", "每人 100 元", "直属主管"),
        ],
        strict=True,
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    paragraph = document.add_paragraph("Receipts must be submitted within 30 days. ")
    # ... and in the middle of a paragraph that Word laid out over two pages.
    late = paragraph.add_run("Late receipts need director approval.")
    late._r.insert(0, OxmlElement("w:lastRenderedPageBreak"))
    document.add_heading("2.1 报销时限", level=2)
    document.add_paragraph("逾期报销需要总监审批。")
    document.save(str(OUT / "handbook.docx"))


def make_text_files() -> None:
    (OUT / "guide.md").write_text(
        "# 部署指南 Deployment Guide\n\n"
        "## 安装 Install\n\n"
        "运行安装脚本前，请确认磁盘至少有 20 GB 空闲空间。\n"
        "Run the installer as an administrator.\n\n"
        "```bash\n# this is a comment, not a heading\n./install.sh --prefix /opt/app\n```\n\n"
        "## 升级 Upgrade\n\n"
        "- 先备份数据库。\n"
        "- Stop the service before upgrading.\n\n"
        "| 版本 | 支持期限 |\n|---|---|\n| 2.x | 2026 年底 |\n",
        encoding="utf-8",
    )
    (OUT / "notes.txt").write_text(
        "第一章 概述\n值班工程师负责处理夜间告警。\n\f第二章 交接\n交接班时必须填写值班日志。\n",
        encoding="utf-8",
    )
    (OUT / "empty.txt").write_text("")
    (OUT / "legacy.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    manual = make_manual()
    make_folio_manual()
    make_bad_pdfs(manual)
    make_docx()
    make_text_files()
    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:>8}  {path.name}")


if __name__ == "__main__":
    main()
