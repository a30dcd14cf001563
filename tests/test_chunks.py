"""A large file linted in chunks of top-level statements (`engine/chunks.py`)
reports exactly what the whole-file lint reports; a fix is the whole-file
fix or withheld. The chunk size is lowered so the fixtures, concatenated,
make a file of many chunks. (Each chunk's summary holds every import and
module-level assignment of the file: the fixtures' 1,800 lines of them.)"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from aiolint.engine import chunks, lint
from aiolint.engine.lint import lint_source
from aiolint.engine.model import Diagnostic, FileResult
from aiolint.engine.registry import load_rules
from aiolint.semantic.context import LintOptions

RULES = list(load_rules().values())
FIXTURES = Path(__file__).parent.parent / "fixtures"


def _compiles(text: str) -> bool:
    try:
        compile(text, "fixture.py", "exec", dont_inherit=True)
    except SyntaxError:
        return False
    return True


def _all_fixtures() -> str:
    """Every fixture Python compiles, one after the other, as one module."""
    texts = [
        path.read_text(encoding="utf-8")
        for path in sorted(FIXTURES.glob("*/*.py"))
        if not path.name.endswith(".fixed.py")
    ]
    return "\n\n".join(text for text in texts if _compiles(text))


def _lint(
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    chunk_lines: int,
    chunked: list[bool],
    chunk_tokens: int = 10**9,
) -> FileResult:
    monkeypatch.setattr(chunks, "CHUNK_LINES", chunk_lines)
    monkeypatch.setattr(chunks, "CHUNK_TOKENS", chunk_tokens)
    monkeypatch.setattr(chunks, "MAX_SUMMARY_TOKENS", 10**9)
    real = chunks.lint_in_chunks

    def spy(*args: object) -> FileResult | None:
        result = real(*args)  # type: ignore[arg-type]
        chunked.append(result is not None)
        return result

    monkeypatch.setattr(lint, "lint_in_chunks", spy)
    return lint_source(text, "big.py", RULES, LintOptions(target_version=(3, 12)))


def _key(d: Diagnostic) -> tuple[object, ...]:
    return (d.start, d.end, d.code, d.message, d.related)


def _assert_same(whole: FileResult, parts: FileResult) -> tuple[int, int]:
    """Equal findings; each fix equal or withheld. Returns (kept, withheld)."""
    assert Counter(map(_key, parts.diagnostics)) == Counter(map(_key, whole.diagnostics))
    assert parts.errors == whole.errors == []
    fixes = {_key(d): d.fix for d in whole.diagnostics}
    kept = withheld = 0
    for d in parts.diagnostics:
        if d.fix is None:
            withheld += fixes[_key(d)] is not None
        else:
            assert d.fix == fixes[_key(d)], d
            kept += 1
    return kept, withheld


def test_every_fixture_concatenated_lints_the_same_in_chunks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = _all_fixtures()
    used: list[bool] = []
    whole = _lint(monkeypatch, text, 10**9, used)
    assert used == [] and len(whole.diagnostics) > 500
    parts = _lint(monkeypatch, text, 1_000, used)  # 8 chunks
    assert used == [True]
    kept, withheld = _assert_same(whole, parts)
    assert kept > 100 and withheld < kept


def test_a_helper_in_another_chunk_still_blocks() -> None:
    """AIO206 follows a call into a sync helper defined chunks away (and the
    helper's own helper), as the whole-file lint does."""
    padding = "\n\n".join(
        f"def pad_{i}():\n" + "".join(f"    y_{j} = {j}\n" for j in range(30)) for i in range(12)
    )
    text = (
        "import time\n\n\ndef inner():\n    time.sleep(1)\n\n\n"
        f"{padding}\n\n\ndef helper():\n    inner()\n\n\n{padding.replace('pad_', 'more_')}"
        "\n\n\nasync def handler():\n    helper()\n"
    )
    with pytest.MonkeyPatch.context() as patch:
        used: list[bool] = []
        whole = _lint(patch, text, 10**9, used)
        parts = _lint(patch, text, 60, used)
    assert used == [True]
    assert [d.code for d in whole.diagnostics] == ["AIO206"]
    _assert_same(whole, parts)


def test_a_fix_that_edits_the_top_of_the_file_is_withheld(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`time.sleep` in async code far from the imports: the fix adds `import
    asyncio` at the top, outside the chunk: withheld, not misplaced."""
    padding = "".join(f"X_{i} = {i}\n" for i in range(200))
    text = f"import time\n\n{padding}\n\nasync def handler():\n    time.sleep(1)\n"
    used: list[bool] = []
    whole = _lint(monkeypatch, text, 10**9, used)
    parts = _lint(monkeypatch, text, 50, used)
    assert used == [True]
    (before,) = whole.diagnostics
    assert before.code == "AIO201" and before.fix is not None
    (after,) = parts.diagnostics
    assert _key(after) == _key(before) and after.fix is None
