"""One linted version of one document: its text, setup, findings and their LSP form."""

from __future__ import annotations

from lsprotocol import types

from aiolint.engine.model import Diagnostic, FileResult, InternalError, invalid_file
from aiolint.server.diagnostics import to_lsp
from aiolint.server.linting import Fixed, Setup, fix_all, lint
from aiolint.server.positions import LineIndex

#: The largest document the server lints (characters): LibCST's parse and its
#: metadata take hundreds of bytes per character of a candidate-dense module.
MAX_DOCUMENT_CHARS = 1_000_000


class Snapshot:
    """What the server knows about `uri` at `version`; code actions and hover
    answer from it while the document stays at that version."""

    __slots__ = ("_fixed_all", "diagnostics", "index", "lsp", "result", "setup", "uri", "version")

    def __init__(
        self, uri: str, version: int | None, index: LineIndex, setup: Setup, result: FileResult
    ) -> None:
        self.uri = uri
        self.version = version
        self.index = index
        self.setup = setup
        self.result = result
        self.diagnostics: list[Diagnostic] = list(result.diagnostics)
        self.lsp: list[types.Diagnostic] = [to_lsp(index, d, version) for d in self.diagnostics]
        self._fixed_all: Fixed | None = None

    @property
    def text(self) -> str:
        return self.index.text

    @classmethod
    def build(
        cls, uri: str, version: int | None, text: str, encoding: str, setup: Setup
    ) -> Snapshot:
        """Lint `text` (run in the lint thread: this is the slow part); a
        document over `MAX_DOCUMENT_CHARS` is refused with one diagnostic."""
        if len(text) > MAX_DOCUMENT_CHARS:
            snapshot = cls(uri, version, LineIndex(text, encoding), setup, _too_large(setup, text))
            snapshot._fixed_all = Fixed(None)
            return snapshot
        return cls(uri, version, LineIndex(text, encoding), setup, lint(text, setup))

    def fixed_all(self) -> Fixed:
        """The text `aiolint check --fix` would leave (computed once per version)."""
        if self._fixed_all is None:
            self._fixed_all = fix_all(self.text, self.setup)
        return self._fixed_all

    @property
    def fix_all_error(self) -> InternalError | None:
        """Why fixing everything failed, once it was tried."""
        return None if self._fixed_all is None else self._fixed_all.error

    def pairs(self) -> list[tuple[Diagnostic, types.Diagnostic]]:
        return list(zip(self.diagnostics, self.lsp, strict=True))


def _too_large(setup: Setup, text: str) -> FileResult:
    """The result of a document the server does not lint: why."""
    message = (
        f"Document too large for aiolint's server: {len(text):,} characters "
        f"(at most {MAX_DOCUMENT_CHARS:,}); not checked (`aiolint check` checks it)"
    )
    diagnostic = invalid_file(setup.path, message)
    return FileResult(setup.path, [diagnostic])
