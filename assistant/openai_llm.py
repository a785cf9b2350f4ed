"""An LLM behind an OpenAI-compatible HTTP API: vLLM (`vllm serve`), Ollama, llama.cpp server."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

import httpx

from assistant.llm import LLMError, Message, estimate_tokens


class OpenAIChat:
    """Streams chat completions from ``{base_url}/chat/completions``."""

    def __init__(
        self, base_url: str, model: str, api_key: str | None = None, timeout: float = 30.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"openai:{model}@{self.base_url}"
        self.timeout = timeout
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # Loopback servers only: never pick up a proxy from the environment.
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            trust_env=False,
        )

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def stream(
        self, messages: Sequence[Message], max_tokens: int = 512, temperature: float = 0.0
    ) -> Iterator[str]:
        body = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        url = f"{self.base_url}/chat/completions"
        try:
            with self._client.stream("POST", url, json=body) as response:
                if response.status_code != 200:
                    response.read()
                    raise LLMError(self._http_error(response))
                yield from _sse_content(response.iter_lines())
        except httpx.ConnectError as exc:
            raise LLMError(
                f"cannot reach the LLM server at {self.base_url}: is it running? Start it with"
                " `pagewise serve-llm`, or check llm_base_url."
            ) from exc
        except httpx.TimeoutException as exc:
            raise LLMError(
                f"the LLM server at {self.base_url} did not answer within {self.timeout:g} s;"
                " it may be overloaded. Try again, or raise llm_timeout."
            ) from exc
        except httpx.HTTPError as exc:
            raise LLMError(f"the LLM server at {self.base_url} failed: {exc}") from exc

    def _http_error(self, response: httpx.Response) -> str:
        detail = response.text[:300].strip()
        if response.status_code in (401, 403):
            return f"the LLM server at {self.base_url} rejected the API key (llm_api_key)"
        if response.status_code == 404:
            return (
                f"the LLM server at {self.base_url} does not serve model {self.model!r}"
                f" (llm_model): {detail}"
            )
        return f"the LLM server at {self.base_url} answered HTTP {response.status_code}: {detail}"

    def close(self) -> None:
        self._client.close()


def _sse_content(lines: Iterator[str]) -> Iterator[str]:
    """The text deltas of a server-sent event stream of chat completion chunks."""
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            chunk = json.loads(data)
        except json.JSONDecodeError as exc:
            raise LLMError(f"the LLM server sent a malformed event: {data[:100]}") from exc
        if "error" in chunk:
            raise LLMError(f"the LLM server reported an error: {chunk['error']}")
        for choice in chunk.get("choices", []):
            piece = (choice.get("delta") or {}).get("content")
            if piece:
                yield piece
