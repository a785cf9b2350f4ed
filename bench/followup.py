"""The cost and the use of rewriting follow-up questions, on the shared Java manual.

    .venv/bin/python bench/followup.py [--shared PATH] [--models DIR]

For a handful of two-turn chats (the first turn's answer written from the manual, so only the
follow-up is measured) it prints the standalone question the configured LLM (the embedded CPU
model by default) makes of the follow-up, the seconds that rewriting call adds (wall clock and
this process's CPU time, since a shared machine stretches the wall clock), and whether the
expected page is among the top 3 passages found for the follow-up as asked and as rewritten.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.answer import Assistant  # noqa: E402
from assistant.prompt import Turn  # noqa: E402
from pagewise.settings import Settings  # noqa: E402
from ui.components import build  # noqa: E402

DEFAULT_SHARED = REPO.parent / "shared" / "docs" / "java-manual-huangshan.pdf"
CHATS = [
    (
        Turn(
            "ArrayList 的 subList 有什么要注意的？",
            "ArrayList 的 subList 结果不可强转成 ArrayList，否则会抛出 ClassCastException [1]。",
        ),
        "那 toArray 呢？",
        {14, 15},
    ),
    (
        Turn("不允许使用 java.sql.Date 吗？", "不允许，不要在程序中使用 java.sql.Date [1]。"),
        "为什么？",
        {13},
    ),
    (
        Turn(
            "HashMap 初始化时容量应该设置成多少？",
            "如果暂时无法确定集合大小，那么指定默认值（16）即可 [1]。",
        ),
        "那负载因子呢？",
        {16},
    ),
    (
        Turn("常量应该如何命名？", "常量命名全部大写，单词间用下划线隔开 [1]。"),
        "那包名呢？",
        {4},
    ),
    (
        Turn("Java 代码缩进用几个空格？", "缩进采用 4 个空格，禁止使用 tab 字符 [1]。"),
        "那单行最多多少个字符？",
        {8},
    ),
    (
        Turn("How many spaces should code be indented with?", "Indent with 4 spaces [1]."),
        "And what is the maximum line length?",
        {8},
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--models", type=Path, help="Folder with the assembled GGUF, if any.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pagewise-followup-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        with build(settings) as components:
            summary = components.ingestor().ingest([args.shared], "default")
            assert not summary.failed, summary.as_dict()
            llm = None
            if args.models:
                from assistant.embedded_llm import EmbeddedLLM

                llm = EmbeddedLLM(args.models)
            assistant = components.assistant(llm=llm, rate_limited=False, audited=False)
            run(assistant)


def run(assistant: Assistant) -> None:
    print(f"load average before: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    assistant.standalone("预热", [Turn("x", "y")])  # "预热" leans on the chat: loads the model
    walls, cpus, raw_hits, rewritten_hits = [], [], 0, 0
    for turn, follow_up, pages in CHATS:
        wall, cpu = time.perf_counter(), time.process_time()
        asked = assistant.standalone(follow_up, [turn])
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        raw = _hit(assistant, follow_up, pages)
        rewritten = _hit(assistant, asked, pages)
        raw_hits += raw
        rewritten_hits += rewritten
        print(
            f"{walls[-1]:6.1f} s wall {cpus[-1]:6.1f} s CPU  {follow_up} -> {asked}"
            f"  (page {sorted(pages)} in top 3: as asked {raw}, rewritten {rewritten})"
        )
    n = len(CHATS)
    print(
        f"mean added by the rewrite: {sum(walls) / n:.1f} s wall, {sum(cpus) / n:.1f} s CPU;"
        f" expected page in top 3: as asked {raw_hits}/{n}, rewritten {rewritten_hits}/{n};"
        f" load average after: {os.getloadavg()[0]:.1f}"
    )


def _hit(assistant: Assistant, question: str, pages: set[int]) -> bool:
    found = assistant.retriever.search(question, assistant.options.top_k, None)
    return any(pages & set(range(p.page, p.page_end + 1)) for p in found)


if __name__ == "__main__":
    main()
