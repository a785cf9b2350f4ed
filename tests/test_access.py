"""Each department sees only its own manuals, whatever it asks and through every interface.

Two departments with different manuals; hundreds of questions from each side, many quoting the
other side's text verbatim. Real LDAP (slapd), real index, the real retriever.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llm_doubles import ScriptedLLM

from assistant.answer import User
from ingest.chunking import split_sentences
from ingest.readers import read_document
from pagewise.access import load_access
from pagewise.embedder import Embedder
from pagewise.settings import Settings
from ui.components import Components, build

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
DEPARTMENTS = {"engineering": ["manual.pdf", "guide.md"], "finance": ["handbook.docx", "notes.txt"]}
ACCESS = load_access(REPO / "policies")
ALICE = User("alice", ("engineering",), ACCESS.collections_for(("engineering",), False))
BOB = User("bob", ("finance",), ACCESS.collections_for(("finance",), False))


@pytest.fixture(scope="module")
def index(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, fixtures: Path
) -> Iterator[Components]:
    root = tmp_path_factory.mktemp("access")
    # Module-scoped: made before the per-test environment, so its secrets are named here.
    settings = Settings(
        data_dir=root / "data",
        audit_key_file=root / "audit.key",
        audit_checkpoint_file=root / "audit-checkpoint.jsonl",
    )
    components = build(settings, embedder=embedder)
    for collection, names in DEPARTMENTS.items():
        components.ingestor().ingest([fixtures / n for n in names], collection)
    yield components
    components.close()


def _questions(collection: str) -> list[str]:
    """Verbatim sentences, fragments and windows of a department's manuals, as questions."""
    questions: list[str] = []
    for name in DEPARTMENTS[collection]:
        for block in read_document(FIXTURES / name).blocks:
            for sentence in split_sentences(block.text):
                questions += [
                    sentence,
                    f"{sentence} 是什么意思？",
                    f"What does this mean: {sentence}",
                ]
                questions += [sentence[i : i + 8] for i in range(0, max(1, len(sentence) - 8), 4)]
    return questions


def _docs(collection: str) -> set[str]:
    return set(DEPARTMENTS[collection])


def test_no_question_reaches_the_other_departments_manuals(index: Components) -> None:
    retriever = index.retriever()
    for user, own, other in ((ALICE, "engineering", "finance"), (BOB, "finance", "engineering")):
        questions = _questions(other) + _questions(own)
        assert len(questions) >= 100
        for question in questions:
            for passage in retriever.search(question, k=5, collections=user.collections):
                assert passage.collection in ("default", own), (user.name, question)
                assert passage.doc not in _docs(other), (user.name, question)


def test_answers_cite_only_the_users_own_manuals(index: Components) -> None:
    assistant = index.assistant(llm=ScriptedLLM("见资料 [1][2][3]。"), rate_limited=False)
    for user, other in ((ALICE, "finance"), (BOB, "engineering")):
        # Every fourth of the first 60: whole sentences, questions and fragments alike.
        for question in _questions(other)[:60:4]:
            answer = assistant.ask(question, user)
            assert all(c.doc not in _docs(other) for c in answer.citations)
            assert all(p.doc not in _docs(other) for p in answer.passages)
            other_text = " ".join(_questions(other)[:3])
            assert other_text not in answer.answer


def test_cli_user_option_searches_only_that_users_collections(
    index: Components, dev_directory: Any
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEWISE_")}
    env.update(
        PAGEWISE_DATA_DIR=str(index.settings.data_dir),
        PAGEWISE_LDAP_URL=dev_directory.url,
        PAGEWISE_POLICIES_DIR=str(REPO / "policies"),
    )
    for username, other in (("alice", "finance"), ("bob", "engineering")):
        for question in _questions(other)[:1]:
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "ui",
                    "search",
                    "--user",
                    username,
                    "--json",
                    "-k",
                    "5",
                    question,
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr
            assert all(p["doc"] not in _docs(other) for p in json.loads(result.stdout))
    # Naming the other side's collection does not widen what a user sees.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ui",
            "search",
            "--user",
            "bob",
            "-c",
            "engineering",
            "--json",
            "备份策略",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(result.stdout) == []


def test_a_user_in_no_mapped_group_gets_no_collections() -> None:
    assert ACCESS.collections_for(("marketing",), is_admin=False) == ()
    assert ACCESS.collections_for(("marketing",), is_admin=True) is None
