"""Pagewise: an on-premises knowledge assistant that answers only from your own manuals."""

__version__ = "0.1.0"
