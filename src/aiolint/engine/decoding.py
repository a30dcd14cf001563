"""Decode a Python file's bytes as Python does (BOM, PEP 263 cookie, else UTF-8).

Standard library only, for the parts of a run that read files without linting
them (`--show-source`, baselines, `--add-noqa`), so a run served from the cache
never loads the engine. The engine decodes the same way."""

from __future__ import annotations

import io
import tokenize


class UndecodableSourceError(ValueError):
    """The bytes do not decode in the file's declared (or default) encoding."""


def detect_encoding(source: bytes) -> str:
    """The encoding Python would read `source` in."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as exc:  # unknown or bad cookie, BOM/cookie mismatch
        raise UndecodableSourceError(str(exc.msg if hasattr(exc, "msg") else exc)) from exc
    return encoding


def decode_source(source: bytes) -> str:
    """`source` decoded as Python reads it (raises UndecodableSourceError)."""
    encoding = detect_encoding(source)
    try:
        return source.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise UndecodableSourceError(str(exc)) from exc
