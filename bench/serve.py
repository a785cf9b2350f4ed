"""Load benchmark of the LLM server: real RAG prompts at rising concurrency.

    # the prompts: system prompt + top-3 passages of the shared manual + question (once)
    .venv/bin/python bench/serve.py prompts
    # against a running OpenAI-compatible server (vLLM, `pagewise serve-llm`)
    python bench/serve.py load --url http://127.0.0.1:8000/v1 --model NAME \
        --key-file data/vllm-api-key
    # start vLLM with `pagewise serve-llm`'s launcher (PAGEWISE_* settings), measure, stop it
    python bench/serve.py load --launch
    # the same prompts through the embedded CPU model
    .venv/bin/python bench/serve.py load --embedded --concurrency 1 --requests 6

Each concurrency level runs closed-loop (C clients, each sending its next request when the
last one ends); `--rate R --duration S` adds an open-loop run at R requests a minute. The
table gives requests/min, success rate, time to first token and full-answer latency (p50/p95)
and output tokens/s. The load side needs only httpx, so it runs on a bare GPU host.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from machine_info import describe  # noqa: E402

from assistant.claims import claims_of  # noqa: E402
from assistant.judge import judge_messages  # noqa: E402
from assistant.on_question import question_messages  # noqa: E402
from assistant.translation import Translator, translation_messages  # noqa: E402

DEFAULT_PROMPTS = REPO / "bench" / "serve-prompts.jsonl"
DEFAULT_SHARED = REPO.parent / "shared" / "docs" / "java-manual-huangshan.pdf"
DEFAULT_QUESTIONS = REPO / "tests" / "fixtures" / "java-manual-questions.jsonl"

Messages = list[dict[str, str]]
# Streams the text pieces of one answer; returns the output token count when the server says.
Target = Callable[[Messages, int], AsyncIterator[str | int]]


@dataclass
class Outcome:
    ok: bool
    ttft_s: float
    latency_s: float
    tokens: int
    error: str = ""
    checked_s: float = 0.0  # when the checked answer can be shown (after the judge, if any)
    judged: bool = False


@dataclass
class LevelReport:
    name: str
    requests: int
    ok: int
    seconds: float
    req_per_min: float
    success_pct: float
    ttft_p50_ms: float
    ttft_p95_ms: float
    latency_p50_ms: float
    latency_p95_ms: float
    output_tok_s: float
    errors: list[str]
    checked_p50_ms: float = float("nan")
    checked_p95_ms: float = float("nan")
    judge_calls: int = 0


def make_prompts(out: Path, shared: Path, questions: Path) -> None:
    """Retrieve the top passages of each dev question from the shared manual, as the
    assistant does, and write the messages it would send (JSON lines)."""
    import tempfile

    from assistant.evaluation.scoring import load_questions
    from assistant.llm import Message
    from pagewise.settings import Settings
    from ui.components import build

    class NoLLM:
        name = "none"

        def count_tokens(self, text: str) -> int:
            return len(text)

        def stream(self, messages: Any, max_tokens: int = 0, temperature: float = 0) -> Any:
            raise AssertionError("prompts only")

    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="pagewise-bench-")))
    components = build(settings)
    components.ingestor().ingest([shared], "default")
    assistant = components.assistant(llm=NoLLM(), rate_limited=False, audited=False)
    written = 0
    with out.open("w", encoding="utf-8") as handle:
        for question in load_questions(questions):
            passages = assistant.retriever.search(question.q, assistant.options.top_k, None)
            if not passages:
                continue
            messages: list[Message] = assistant.messages(question.q, passages)
            row = [{"role": m.role, "content": m.content} for m in messages]
            handle.write(json.dumps({"messages": row}, ensure_ascii=False) + "\n")
            written += 1
    components.close()
    print(f"wrote {written} prompts to {out}")


def load_prompts(path: Path) -> list[Messages]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [row["messages"] for row in rows]


def http_target(url: str, model: str, key: str | None, timeout: float) -> Target:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    limits = httpx.Limits(max_connections=1024, max_keepalive_connections=1024)
    client = httpx.AsyncClient(headers=headers, timeout=timeout, limits=limits, trust_env=False)

    async def stream(messages: Messages, max_tokens: int) -> AsyncIterator[str | int]:
        body = {
            "model": model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        async with client.stream("POST", f"{url}/chat/completions", json=body) as response:
            if response.status_code != 200:
                await response.aread()
                raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
            async for line in response.aiter_lines():
                if not line.startswith("data:") or line[5:].strip() == "[DONE]":
                    continue
                chunk = json.loads(line[5:])
                for choice in chunk.get("choices") or []:
                    if text := (choice.get("delta") or {}).get("content"):
                        yield text
                if usage := chunk.get("usage"):
                    yield int(usage.get("completion_tokens") or 0)

    return stream


def embedded_target(threads: int | None) -> Target:
    """The embedded CPU model, in this process; it answers one request at a time."""
    from assistant.embedded_llm import EmbeddedLLM
    from assistant.llm import Message
    from pagewise.settings import Settings

    settings = Settings()
    llm = EmbeddedLLM(settings.data_dir / "models", threads=threads)

    async def stream(messages: Messages, max_tokens: int) -> AsyncIterator[str | int]:
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def run() -> None:
            try:
                chat = [Message(m["role"], m["content"]) for m in messages]  # type: ignore[arg-type]
                for piece in llm.stream(chat, max_tokens, 0.0):
                    loop.call_soon_threadsafe(queue.put_nowait, piece)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, None)

        worker = loop.run_in_executor(None, run)
        while (piece := await queue.get()) is not None:
            yield piece
        await worker

    return stream


async def one_request(
    target: Target,
    messages: Messages,
    max_tokens: int,
    judge: bool = False,
    translate: bool = False,
) -> Outcome:
    """One answer; with ``translate``, first the call that translates the question (the
    assistant searches with both, `assistant/translation.py`); with ``judge``, then the
    grounding judge's call on its sentences, as the assistant makes it (`assistant/judge.py`):
    nothing is shown before that call ends. Times count from before the translation."""
    started = time.perf_counter()
    first: float | None = None
    pieces: list[str] = []
    tokens = 0
    try:
        if translate:
            await translate_question(target, messages)
        async for item in target(messages, max_tokens):
            if isinstance(item, int):
                tokens = item
                continue
            pieces.append(item)
            if first is None:
                first = time.perf_counter()
        ended = time.perf_counter()
        judged = False
        if judge and first is not None:
            judged = await judge_answer(target, messages, "".join(pieces))
    except Exception as exc:  # a failed request is a data point, not the end of the run
        elapsed = time.perf_counter() - started
        return Outcome(False, elapsed, elapsed, 0, f"{type(exc).__name__}: {exc}"[:200])
    if first is None:
        elapsed = time.perf_counter() - started
        return Outcome(False, elapsed, elapsed, 0, "empty answer")
    checked = time.perf_counter()
    return Outcome(
        True,
        first - started,
        ended - started,
        tokens or len(pieces),
        checked_s=checked - started,
        judged=judged,
    )


_PASSAGE = re.compile(r"<<<\n(.*?)\n>>>", re.DOTALL)


async def judge_answer(target: Target, messages: Messages, answer: str) -> bool:
    """Send the judge's request for ``answer``'s cited sentences, then the question check's,
    as the assistant makes them; False when no sentence cites."""
    passages = _PASSAGE.findall(messages[-1]["content"])
    claims = [c for c in claims_of(answer) if c.cited and max(c.cited) <= len(passages)]
    if not claims:
        return False
    request = [{"role": m.role, "content": m.content} for m in judge_messages(passages, claims)]
    async for _ in target(request, 6 * len(claims) + 6):
        pass
    # Then the question check (`assistant/on_question.py`) on the answer and its cited passages.
    asked = _QUESTION.findall(messages[-1]["content"])  # the last: a passage may hold one
    cited = sorted({n for c in claims for n in c.cited})
    check = question_messages(asked[-1] if asked else "", answer, [passages[n - 1] for n in cited])
    async for _ in target([{"role": m.role, "content": m.content} for m in check], 4):
        pass
    return True


async def translate_question(target: Target, messages: Messages) -> None:
    """The translation request the assistant sends before it searches (96 tokens at most)."""
    asked = _QUESTION.findall(messages[-1]["content"])
    question = asked[-1] if asked else messages[-1]["content"][-200:]
    into = Translator.other_language(question)
    chat = translation_messages(question, into)
    async for _ in target([{"role": m.role, "content": m.content} for m in chat], 96):
        pass


# The question as build_messages writes it after the passages.
_QUESTION = re.compile(r"\n\n(?:问题：|Question: )(.*)\n", re.MULTILINE)


class PromptFeed:
    """The prompts in turn, carrying on across levels, so a level does not replay the prompts
    the server has just cached. ``unique`` also marks each request right after the system
    prompt: then only the system prompt is served from a prefix cache, as with varied
    questions from many people; without it, the passages of a replayed prompt are cached too."""

    def __init__(self, prompts: list[Messages], unique: bool) -> None:
        self.prompts = prompts
        self.unique = unique
        self.sent = 0

    def next(self) -> Messages:
        messages = self.prompts[self.sent % len(self.prompts)]
        if self.unique:
            last = messages[-1]
            marked = {"role": last["role"], "content": f"(#{self.sent})\n{last['content']}"}
            messages = [*messages[:-1], marked]
        self.sent += 1
        return messages


async def closed_loop(
    target: Target,
    feed: PromptFeed,
    clients: int,
    requests: int,
    max_tokens: int,
    judge: bool = False,
    translate: bool = False,
) -> tuple[list[Outcome], float]:
    order = iter(range(requests))
    outcomes: list[Outcome] = []

    async def client() -> None:
        for _ in order:
            outcomes.append(await one_request(target, feed.next(), max_tokens, judge, translate))

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return outcomes, time.perf_counter() - started


async def open_loop(
    target: Target,
    feed: PromptFeed,
    per_minute: float,
    seconds: float,
    max_tokens: int,
    judge: bool = False,
    translate: bool = False,
) -> tuple[list[Outcome], float]:
    interval = 60.0 / per_minute
    tasks: list[asyncio.Task[Outcome]] = []
    started = time.perf_counter()
    index = 0
    while (due := started + index * interval) < started + seconds:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        request = one_request(target, feed.next(), max_tokens, judge, translate)
        tasks.append(asyncio.create_task(request))
        index += 1
    outcomes = list(await asyncio.gather(*tasks))
    return outcomes, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def report(name: str, outcomes: list[Outcome], seconds: float) -> LevelReport:
    good = [o for o in outcomes if o.ok]
    ttft = [o.ttft_s * 1000 for o in good]
    latency = [o.latency_s * 1000 for o in good]
    checked = [o.checked_s * 1000 for o in good]
    return LevelReport(
        name=name,
        requests=len(outcomes),
        ok=len(good),
        seconds=round(seconds, 2),
        req_per_min=round(len(good) / seconds * 60, 1),
        success_pct=round(100 * len(good) / max(1, len(outcomes)), 2),
        ttft_p50_ms=round(percentile(ttft, 50), 1),
        ttft_p95_ms=round(percentile(ttft, 95), 1),
        latency_p50_ms=round(percentile(latency, 50), 1),
        latency_p95_ms=round(percentile(latency, 95), 1),
        output_tok_s=round(sum(o.tokens for o in good) / seconds, 1),
        errors=sorted({o.error for o in outcomes if not o.ok})[:5],
        checked_p50_ms=round(percentile(checked, 50), 1),
        checked_p95_ms=round(percentile(checked, 95), 1),
        judge_calls=sum(o.judged for o in good),
    )


def print_table(rows: list[LevelReport]) -> None:
    print(
        "| load | requests | req/min | success % | TTFT p50 ms | TTFT p95 ms "
        "| latency p50 ms | latency p95 ms | checked p50 ms | checked p95 ms | judge calls "
        "| output tok/s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r.name} | {r.requests} | {r.req_per_min} | {r.success_pct} | {r.ttft_p50_ms}"
            f" | {r.ttft_p95_ms} | {r.latency_p50_ms} | {r.latency_p95_ms}"
            f" | {r.checked_p50_ms} | {r.checked_p95_ms} | {r.judge_calls} | {r.output_tok_s} |"
        )
    for r in rows:
        for error in r.errors:
            print(f"  {r.name}: {error}")


def levels(spec: str) -> list[int]:
    return [int(part) for part in spec.split(",") if part.strip()]


async def measure(target: Target, args: argparse.Namespace) -> list[LevelReport]:
    """Every level, once per judge mode (`--judge both`: without, then with the judge)."""
    feed = PromptFeed(load_prompts(args.prompts), args.unique)
    rows = []
    for judge in {"off": [False], "on": [True], "both": [False, True]}[args.judge]:
        tag = " + judge" if judge else ""
        for clients in levels(args.concurrency):
            count = args.requests or max(4 * clients, 20)
            outcomes, seconds = await closed_loop(
                target, feed, clients, count, args.max_tokens, judge, args.translate == "on"
            )
            rows.append(report(f"concurrency {clients}{tag}", outcomes, seconds))
            print(f"  {rows[-1]}", file=sys.stderr, flush=True)
        if args.rate:
            outcomes, seconds = await open_loop(
                target,
                feed,
                args.rate,
                args.duration,
                args.max_tokens,
                judge,
                args.translate == "on",
            )
            name = f"{args.rate:g} req/min for {args.duration:g} s{tag}"
            rows.append(report(name, outcomes, seconds))
    return rows


def run_load(args: argparse.Namespace) -> None:
    server = None
    target: Target
    startup: dict[str, float] = {}
    if args.embedded:
        target = embedded_target(args.threads)
        label = "embedded CPU model (llama.cpp)"
    elif args.launch:
        server, url, model, key, startup = launch()
        target = http_target(url, model, key, args.timeout)
        label = f"vLLM via pagewise serve-llm: {model}"
    else:
        key = args.key or (args.key_file.read_text().strip() if args.key_file else None)
        target = http_target(args.url.rstrip("/"), args.model, key, args.timeout)
        label = f"{args.model} at {args.url}"
    try:
        rows = asyncio.run(measure(target, args))
    finally:
        if server is not None:
            server.stop()
    print(f"\nServer: {label}; machine: {describe()}")
    kind = "each request unique after the system prompt" if args.unique else "replayed in turn"
    if args.translate == "on":
        kind += "; each question first translated (one call of at most 96 tokens), as the"
        kind += " assistant does before it searches"
    if args.judge != "off":
        kind += "; + judge: each answer then judged and checked against its question"
        kind += " (checked = when it can be shown)"
    print(f"Prompts: {args.prompts.name} ({kind}); max_tokens {args.max_tokens}; temperature 0")
    if startup:
        print("Startup: " + ", ".join(f"{k} {v:.1f} s" for k, v in startup.items()))
    print()
    print_table(rows)
    if args.json_out:
        data: dict[str, object] = {"server": label, "machine": describe(), "startup_s": startup}
        data["levels"] = [asdict(r) for r in rows]
        args.json_out.write_text(json.dumps(data, indent=2), encoding="utf-8")


def launch() -> tuple[Any, str, str, str | None, dict[str, float]]:
    """Start vLLM exactly as `pagewise serve-llm` does (settings from PAGEWISE_*)."""
    from pagewise.settings import load_settings
    from ui.serving import api_key, served_model_name, start_ready

    settings = load_settings()
    server, startup = start_ready(settings, echo=lambda line: print(line, file=sys.stderr))
    print("$ " + " ".join(server.command), file=sys.stderr, flush=True)
    times = {
        "model conversion": startup.conversion,
        "vLLM start to /health": startup.health,
        "warm-up": startup.warm_up,
    }
    return server, settings.vllm_url, served_model_name(settings), api_key(settings), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prompts = commands.add_parser("prompts", help="Write the RAG prompts file.")
    prompts.add_argument("--out", type=Path, default=DEFAULT_PROMPTS)
    prompts.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    prompts.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    load = commands.add_parser("load", help="Measure a server under load.")
    where = load.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1")
    where.add_argument("--launch", action="store_true", help="Start vLLM like serve-llm.")
    where.add_argument("--embedded", action="store_true", help="The embedded CPU model.")
    load.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    load.add_argument("--key", help="API key (or --key-file).")
    load.add_argument("--key-file", type=Path)
    load.add_argument("--prompts", type=Path, default=DEFAULT_PROMPTS)
    load.add_argument("--concurrency", default="1,4,16,64,128")
    load.add_argument("--requests", type=int, help="Per level (default 4 × C, at least 20).")
    load.add_argument("--max-tokens", type=int, default=512)
    load.add_argument(
        "--unique", action="store_true", help="Make every prompt differ after the system prompt."
    )
    load.add_argument(
        "--judge",
        choices=["off", "on", "both"],
        default="off",
        help="After each answer, the grounding judge's call and the question check's"
        " (answer_check = llm); both: every level without, then with them.",
    )
    load.add_argument(
        "--translate",
        choices=["off", "on"],
        default="on",
        help="Before each answer, the call that translates the question (translate_questions,"
        " on by default in the assistant); times count from before it.",
    )
    load.add_argument("--rate", type=float, help="Also an open-loop run, requests a minute.")
    load.add_argument("--duration", type=float, default=60.0, help="Seconds of the open loop.")
    load.add_argument("--timeout", type=float, default=300.0)
    load.add_argument("--threads", type=int, help="CPU threads (embedded).")
    load.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    if args.command == "prompts":
        make_prompts(args.out, args.shared, args.questions)
    else:
        run_load(args)


if __name__ == "__main__":
    main()
