"""The `openai` adapter against a real OpenAI-compatible HTTP server on loopback."""

import socket

import pytest
from llm_doubles import ScriptedLLM
from openai_server import serve

from assistant.llm import LLM, LLMError, Message, complete
from assistant.openai_llm import OpenAIChat

HELLO = [Message("system", "Reply briefly."), Message("user", "Say hello.")]


def test_streams_the_embedded_model_through_a_real_http_server(embedded_llm: LLM) -> None:
    with serve(embedded_llm) as url:
        llm = OpenAIChat(url, "embedded", timeout=120)
        pieces = list(llm.stream(HELLO, max_tokens=12))
    assert len(pieces) > 1  # streamed, not delivered in one piece
    assert "".join(pieces).strip()


def test_sends_the_api_key_and_explains_a_rejected_one() -> None:
    with serve(ScriptedLLM("好的 [1]"), api_key="s3cret") as url:
        assert complete(OpenAIChat(url, "m", api_key="s3cret"), HELLO) == "好的 [1]"
        with pytest.raises(LLMError, match="rejected the API key"):
            complete(OpenAIChat(url, "m", api_key="wrong"), HELLO)


def test_a_server_that_is_down_gives_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        with pytest.raises(LLMError, match=r"cannot reach the LLM server .* is it running"):
            complete(OpenAIChat(f"http://127.0.0.1:{port}/v1", "m", timeout=2), HELLO)


def test_a_slow_server_times_out_with_a_clear_error() -> None:
    with (
        serve(ScriptedLLM("late"), stall_seconds=3) as url,
        pytest.raises(LLMError, match=r"did not answer within 1 s"),
    ):
        complete(OpenAIChat(url, "m", timeout=1), HELLO)


def test_a_wrong_base_url_says_the_model_or_path_is_not_served() -> None:
    with (
        serve(ScriptedLLM("x")) as url,
        pytest.raises(LLMError, match="does not serve model 'm'"),
    ):
        complete(OpenAIChat(url.removesuffix("/v1"), "m"), HELLO)
