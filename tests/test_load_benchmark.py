"""The load benchmark (bench/serve.py) sends the calls the assistant makes for one answer."""

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from assistant.judge import SYSTEM as JUDGE_SYSTEM
from assistant.on_question import SYSTEM as QUESTION_CHECK_SYSTEM
from assistant.translation import INSTRUCTIONS

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import serve  # noqa: E402


def test_each_request_is_translated_answered_judged_and_checked_in_the_assistants_order() -> None:
    prompt = json.loads((REPO / "bench" / "serve-prompts.jsonl").read_text().splitlines()[0])
    messages = prompt["messages"]
    answering_system = messages[0]["content"]
    seen: list[tuple[str, int]] = []

    async def target(chat: list[dict[str, str]], max_tokens: int) -> AsyncIterator[str | int]:
        seen.append((chat[0]["content"], max_tokens))
        yield "YES" if chat[0]["content"] != answering_system else "The answer [1]."

    outcome = asyncio.run(serve.one_request(target, messages, 64, judge=True, translate=True))
    assert outcome.ok and outcome.judged
    systems = [system for system, _ in seen]
    assert systems[0] in INSTRUCTIONS.values() and seen[0][1] == 96
    assert systems[1:] == [answering_system, JUDGE_SYSTEM, QUESTION_CHECK_SYSTEM]
