"""Output formats, one module each; `FORMATS` maps a format name to its writer.

Every writer has one signature, `write(out, diagnostics, ctx)` (see
`aiolint.reporters.base`). A format's module is imported when its writer is
first looked up (SARIF reads the rules' docs, which loads LibCST), so a run
pays only for the format it prints."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from aiolint.reporters.base import ReportContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aiolint.reporters.base import Writer

#: Format name -> the module (under `aiolint.reporters`) whose `write` renders it.
_MODULES = {
    "text": "text",
    "concise": "concise",
    "full": "full",
    "grouped": "grouped",
    "json": "json",
    "json-lines": "json_lines",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "junit": "junit",
    "pylint": "pylint",
    "rdjson": "rdjson",
    "azure": "azure",
}


class _Writers(Mapping[str, "Writer"]):
    """The writers by format name, each imported on first lookup."""

    def __getitem__(self, name: str) -> Writer:
        module = importlib.import_module(f"{__name__}.{_MODULES[name]}")
        writer: Writer = module.write
        return writer

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


FORMATS: Mapping[str, Writer] = _Writers()
DEFAULT_FORMAT = "text"
#: The formats printing each fix's edits; the others print at most a fix's
#: title and whether `--fix` would apply it, which its summary tells
#: (`engine.model.FixSummary`: a check printing them generates no fix text).
FIX_TEXT_FORMATS = frozenset({"json", "json-lines", "sarif", "rdjson"})

__all__ = ["DEFAULT_FORMAT", "FIX_TEXT_FORMATS", "FORMATS", "ReportContext"]
