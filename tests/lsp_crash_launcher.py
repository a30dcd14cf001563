"""Start `aiolint server` (or flake8) with faults planted, for tests/test_server.py
and tests/test_isolation.py: AIO101's visit_Call raises (a crashing rule), and
hover raises (a crash in the server's own handler); a document holding
`ABORT_MARKER` kills the process parsing it (`os.abort()` where LibCST's native
parser would crash). Rules are checked in the engine's worker process, which
this script also starts (`--child`), with the same faults. Nothing in aiolint
knows about this script.

    python lsp_crash_launcher.py            # the server
    python lsp_crash_launcher.py --flake8 ARGS...
"""

import os
import resource
import sys

from aiolint.cli import child
from aiolint.engine import lint
from aiolint.engine.registry import rule_for
from aiolint.server import app

#: A file holding this (in a comment) aborts the process parsing it.
ABORT_MARKER = "# plant: abort the parser"
AIO101 = rule_for("AIO101")


def visit_Call(self: object, node: object) -> None:  # LibCST finds visitors by __name__
    raise RuntimeError("planted by lsp_crash_launcher")


def exploding_hover(*args: object) -> None:
    raise RuntimeError("hover planted by lsp_crash_launcher")


real_parse_module = lint.parse_module


def aborting_parse_module(source: object, text: str) -> object:
    if ABORT_MARKER in text:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file to write
        os.abort()
    return real_parse_module(source, text)  # type: ignore[arg-type]


def plant_engine() -> None:
    assert AIO101 is not None
    AIO101.visit_Call = visit_Call  # type: ignore[method-assign]
    lint.parse_module = aborting_parse_module  # type: ignore[assignment]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        plant_engine()
        child.main()
        sys.exit(0)
    child.COMMAND = [sys.executable, os.path.abspath(__file__), "--child"]
    if sys.argv[1:2] == ["--flake8"]:
        from flake8.main.cli import main

        sys.exit(main(sys.argv[2:]))
    app.hover = exploding_hover  # type: ignore[assignment]
    sys.exit(app.main())
