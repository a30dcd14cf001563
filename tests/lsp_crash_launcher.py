"""Start `aiolint server` with two faults planted, for tests/test_server.py:
AIO101's visit_Call raises (a crashing rule), and hover raises (a crash in the
server's own handler). Nothing in aiolint knows about this script."""

import sys

from aiolint.engine.registry import rule_for
from aiolint.server import app

AIO101 = rule_for("AIO101")


def visit_Call(self: object, node: object) -> None:  # LibCST finds visitors by __name__
    raise RuntimeError("planted by lsp_crash_launcher")


def exploding_hover(*args: object) -> None:
    raise RuntimeError("hover planted by lsp_crash_launcher")


assert AIO101 is not None
AIO101.visit_Call = visit_Call  # type: ignore[method-assign]
app.hover = exploding_hover  # type: ignore[assignment]

if __name__ == "__main__":
    sys.exit(app.main())
