"""Exceptions a user can act on: the CLI and UI print the message, tracebacks go to the log."""


class PagewiseError(Exception):
    """Base class: the message says what went wrong and what to do about it."""


class ConfigError(PagewiseError):
    """The settings or a policy file are invalid."""


class DocumentError(PagewiseError):
    """One input file cannot be ingested (corrupt, encrypted, no text, unsupported)."""


class EmbedderError(PagewiseError):
    """The embedding model cannot be loaded or used."""


class StoreError(PagewiseError):
    """The index (ChromaDB or the catalog) cannot be opened or written."""
