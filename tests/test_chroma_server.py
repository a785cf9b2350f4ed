"""The same ingestion and search against a Chroma server instead of the embedded store."""

from pathlib import Path

import pytest
from servers import free_port

from pagewise.embedder import Embedder
from pagewise.settings import Settings
from ui.components import build


def test_ingest_and_search_through_a_chroma_server(
    chroma_server: int, tmp_path: Path, embedder: Embedder, fixtures: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=chroma_server
    )
    components = build(settings, embedder=embedder)
    summary = components.ingestor().ingest([fixtures / "manual.pdf"], "default")
    assert summary.count("added") == 1
    assert not (settings.data_dir / "chroma").exists()  # vectors went to the server
    top = components.retriever().search("密码多久更换一次", k=1)[0]
    assert (top.doc, top.page, top.page_label, top.section) == (
        "manual.pdf",
        6,
        "4",
        "2.1 密码策略",
    )
    components.close()


def test_unreachable_chroma_server_is_a_clear_error(tmp_path: Path, embedder: Embedder) -> None:
    from pagewise.errors import StoreError

    settings = Settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(StoreError, match=r"cannot open the Chroma server at 127\.0\.0\.1"):
        build(settings, embedder=embedder)
