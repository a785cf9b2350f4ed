"""Answering from the index: retrieval, prompt, LLM call, citation check."""
