"""The one place where the default implementations of the seams are chosen."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from assistant.answer import AnswerOptions, Assistant
from assistant.guards import Guards, RelevanceGate
from assistant.llm import LLM
from assistant.retrieval import Retriever
from ingest.limits import FileLimits
from ingest.pipeline import Ingestor
from ingest.pool import default_workers
from pagewise.audit.configured import open_audit_log
from pagewise.audit.log import AuditLog
from pagewise.catalog import Catalog
from pagewise.embedder import Embedder, make_embedder
from pagewise.errors import ConfigError, PagewiseError
from pagewise.pageboxes import PageBoxes
from pagewise.policies import load_policies
from pagewise.ratelimit import RateLimiter, load_rate_limits, rate_limit_db
from pagewise.sensitive import load_sensitive_words
from pagewise.settings import Settings
from pagewise.store import ChromaStore, Store


@dataclass
class Components:
    settings: Settings
    catalog: Catalog
    store: Store
    embedder: Embedder

    def ingestor(self, workers: int | None = None) -> Ingestor:
        """``workers``: files read at once; default the setting, else one per core."""
        return Ingestor(
            self.catalog,
            self.store,
            self.embedder,
            chunk_tokens=self.settings.chunk_tokens,
            chunk_overlap=self.settings.chunk_overlap,
            batch_size=self.settings.embed_batch_size,
            ocr=self.settings.ocr,
            limits=FileLimits.from_settings(self.settings),
            worker_log=self.settings.log_dir / "ingest-worker.log",
            workers=workers or self.settings.ingest_workers or default_workers(),
            page_boxes=self.page_boxes,
        )

    @property
    def page_boxes(self) -> PageBoxes:
        """Where OCR read the text of scanned pages (for the portal's page picture)."""
        return PageBoxes.under(self.settings.data_dir)

    def retriever(self) -> Retriever:
        return Retriever(self.store, self.catalog, self.embedder)

    @cached_property
    def audit_log(self) -> AuditLog:
        """The audit log under the data dir, one per process: the assistant and the portal's
        logins and admin actions append to the same chain."""
        return open_audit_log(self.settings)

    def assistant(
        self,
        llm: LLM | None = None,
        rate_limited: bool = True,
        audited: bool = True,
        groups: Sequence[str] = (),
    ) -> Assistant:
        """An assistant that audits every question (``audited=False`` leaves the log alone);
        ``rate_limited=False`` for evaluation runs, which ask far more than a person."""
        settings = self.settings
        limiter = (
            RateLimiter.from_policy(
                rate_limit_db(settings.data_dir), load_rate_limits(settings.policies_dir)
            )
            if rate_limited
            else None
        )
        guards = Guards(
            sensitive=load_sensitive_words(settings.policies_dir),
            rate_limiter=limiter,
            relevance=RelevanceGate(
                settings.min_similarity, settings.min_term_overlap, settings.min_term_match
            ),
        )
        options = AnswerOptions(
            top_k=settings.top_k,
            history_tokens=settings.history_tokens,
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
            answer_check=settings.answer_check,
            min_word_support=settings.min_word_support,
            min_cross_support=settings.min_cross_support,
            yes_no_check=settings.yes_no_check,
            quote_fallback=settings.quote_fallback,
            translate_questions=settings.translate_questions,
            rewrite_followups=settings.rewrite_followups,
        )
        return Assistant(
            self.retriever(),
            llm or make_llm(settings, lora_adapter(settings, groups)),
            load_policies(settings.policies_dir),
            options,
            guards,
            audit=self.audit_log if audited else None,
        )

    def close(self) -> None:
        if "audit_log" in self.__dict__:  # a short-lived command's last records, checkpointed
            try:
                self.audit_log.checkpoint()
            except PagewiseError as exc:  # already told when its record failed
                logging.getLogger(__name__).warning("no audit checkpoint at exit: %s", exc)
        self.catalog.close()

    def __enter__(self) -> Components:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def lora_adapter(settings: Settings, groups: Sequence[str]) -> str | None:
    """The department adapter that answers a member of ``groups``: a LoRA module that
    `serve-llm` serves under one of the user's group names (vllm backend only)."""
    if settings.llm_backend != "vllm":
        return None
    return next((g for g in sorted(groups) if g in settings.vllm_lora_modules), None)


def make_llm(settings: Settings, adapter: str | None = None) -> LLM:
    """The configured LLM: the embedded CPU model unless a server is configured."""
    if settings.llm_backend == "embedded":
        from assistant.embedded_llm import EmbeddedLLM

        return EmbeddedLLM(
            settings.data_dir / "models",
            model=settings.llm_model,
            threads=settings.llm_threads,
            context_tokens=settings.llm_context_tokens,
        )
    from assistant.openai_llm import OpenAIChat

    if settings.llm_backend == "vllm":
        # The server `pagewise serve-llm` starts: same model name and API key (kept in the
        # data dir unless llm_api_key is set), so nothing else needs configuring.
        from ui.serving import api_key, served_model_name

        return OpenAIChat(
            settings.llm_base_url or settings.vllm_url,
            adapter or served_model_name(settings),
            api_key(settings),
            settings.llm_timeout,
        )
    if not settings.llm_base_url:
        raise ConfigError("llm_backend is 'openai' but llm_base_url is not set")
    if not settings.llm_model:
        raise ConfigError(
            f"set llm_model to the name of the model served at {settings.llm_base_url}"
        )
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return OpenAIChat(settings.llm_base_url, settings.llm_model, key, settings.llm_timeout)


def build(
    settings: Settings, embedder: Embedder | None = None, store: Store | None = None
) -> Components:
    """Open the index under ``settings.data_dir``; tests pass their own embedder or store.

    Use it as a context manager (``with build(settings) as components:``) to close it."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    embedder = embedder or make_embedder(settings.embedder)
    return Components(
        settings=settings,
        catalog=Catalog(settings.catalog_path),
        store=store or ChromaStore(settings, embedder.name),
        embedder=embedder,
    )


def configure_logging(settings: Settings) -> None:
    """Everything goes to a rotating log file under the data dir; the terminal stays clean."""
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        settings.log_dir / "pagewise.log", maxBytes=10_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    # pypdf reports every quirk of a damaged file as a warning; keep them in the log only.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
