"""Twenty users asking at once through one Assistant: the real index, rate limiter and audit log
(the LLM is scripted and fast: what is under test is the policy layer, not the model)."""

import json
import shutil
import threading
from collections import Counter
from pathlib import Path

import pytest
from indexes import IndexCopy
from llm_doubles import ScriptedLLM

from assistant.answer import Assistant, User
from pagewise.audit.chain import chain_files
from pagewise.audit.key import load_key
from pagewise.audit.verify import verify
from pagewise.embedder import Embedder
from pagewise.ratelimit import RateLimitedError
from pagewise.settings import Settings
from ui.components import build

REPO = Path(__file__).resolve().parent.parent
USERS = 20
QUESTIONS_EACH = 5
LIMIT = 3
QUESTION = "密码多久更换一次？"


@pytest.fixture
def assistant(
    tmp_path: Path, embedder: Embedder, fixtures: Path, index_copy: IndexCopy
) -> Assistant:
    policies = tmp_path / "policies"
    shutil.copytree(REPO / "policies", policies)
    # A window far longer than the test: no question may slip through because one expired.
    (policies / "rate_limits.toml").write_text(f"limit = {LIMIT}\nwindow_seconds = 3600\n")
    data = index_copy(fixtures / "manual.pdf", "default", tmp_path / "data")
    components = build(Settings(data_dir=data, policies_dir=policies), embedder=embedder)
    return components.assistant(llm=ScriptedLLM("密码每 90 天更换一次 [1]。"))


def ask_all_at_once(assistant: Assistant) -> dict[str, list[str]]:
    """Every user asks QUESTIONS_EACH times, all threads released together; outcomes by user."""
    outcomes: dict[str, list[str]] = {f"user{n:02d}": [] for n in range(USERS)}
    errors: list[BaseException] = []
    start = threading.Barrier(USERS)

    def user_asks(name: str, client: str) -> None:
        user = User(name, ("engineering",), None, client=client)
        start.wait()
        for _ in range(QUESTIONS_EACH):
            try:
                answer = assistant.ask(QUESTION, user)
            except RateLimitedError:
                outcomes[name].append("rate_limited")
            except BaseException as exc:  # reported below: a thread must not fail silently
                errors.append(exc)
            else:
                outcomes[name].append("refused" if answer.refused else "answered")

    threads = [
        threading.Thread(target=user_asks, args=(name, f"10.0.0.{n}"))
        for n, name in enumerate(outcomes)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_twenty_concurrent_users_get_exact_limits_and_an_intact_audit_chain(
    assistant: Assistant, tmp_path: Path
) -> None:
    outcomes = ask_all_at_once(assistant)

    for name, seen in outcomes.items():
        assert Counter(seen) == {"answered": LIMIT, "rate_limited": QUESTIONS_EACH - LIMIT}, name

    folder = tmp_path / "data" / "audit"
    lines = [line for path in chain_files(folder) for line in path.read_bytes().splitlines()]
    records = [json.loads(line) for line in lines]  # every line is one whole record
    assert len(records) == USERS * QUESTIONS_EACH
    assert [r["seq"] for r in records] == list(range(1, USERS * QUESTIONS_EACH + 1))
    by_user = Counter((r["user"], r["event"]) for r in records)
    for name in outcomes:
        assert by_user[(name, "answered")] == LIMIT
        assert by_user[(name, "rate_limited")] == QUESTIONS_EACH - LIMIT
    assert {r["client"] for r in records} == {f"10.0.0.{n}" for n in range(USERS)}
    report = verify(folder, load_key(Settings().audit_key_file))
    assert report.ok and report.records == USERS * QUESTIONS_EACH, report.message
