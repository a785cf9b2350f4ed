"""Batch ingestion: manuals in, cited chunks out."""
