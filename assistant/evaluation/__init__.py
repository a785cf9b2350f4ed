"""Measuring answers: scores over a question file, and a plain llama-index pipeline to compare
against. Never imported by the answering path."""
