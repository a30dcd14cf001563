"""Output formats, one module each; `FORMATS` maps a format name to its writer.

Every writer has one signature, `write(out, diagnostics, ctx)` (see
`aiolint.reporters.base`)."""

from __future__ import annotations

from aiolint.reporters import concise, github, gitlab, json, junit, sarif, text
from aiolint.reporters.base import ReportContext, Writer

FORMATS: dict[str, Writer] = {
    "text": text.write,
    "concise": concise.write,
    "json": json.write,
    "sarif": sarif.write,
    "github": github.write,
    "junit": junit.write,
    "gitlab": gitlab.write,
}
DEFAULT_FORMAT = "text"
#: Formats of one line per finding, which `--statistics` may follow.
LINE_FORMATS = frozenset({"text", "concise"})

__all__ = ["DEFAULT_FORMAT", "FORMATS", "LINE_FORMATS", "ReportContext", "Writer"]
