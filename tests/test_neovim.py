"""A real Neovim, headless, against `aiolint server`, configured by the README's
snippet for its version (tests/neovim.py): Debian's 0.7.2 (diagnostics pushed)
and, when `AIOLINT_NVIM` names one, a newer one (diagnostics pulled).
Diagnostics arrive for an opened module with AIO206's chain as
relatedInformation, a quick fix applies through a code action, and an edit is
checked again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from neovim import (
    EXTRA_NVIM,
    NeovimUnavailable,
    drive,
    find_nvim,
    readme_snippets,
    required,
    write_project,
)


def _neovim(which: str) -> tuple[str, tuple[int, int, int]]:
    """Debian's `nvim` on PATH ("system": required in CI), or the one
    `AIOLINT_NVIM` names ("extra": skipped when unset)."""
    if which == "extra":
        name = os.environ.get(EXTRA_NVIM, "")
        if not name:
            pytest.skip(f"{EXTRA_NVIM} not set (a second Neovim, e.g. 0.10+, to run this with)")
        return find_nvim(name)
    try:
        return find_nvim()
    except NeovimUnavailable as error:
        if required():
            pytest.fail(f"{error} (required: CI or AIOLINT_REQUIRE_NEOVIM=1)")
        pytest.skip(str(error))


def _steps(report: dict[str, object]) -> dict[str, dict[str, object]]:
    assert report["errors"] == [], report
    return {step["step"]: step for step in report["steps"]}  # type: ignore[attr-defined,index]


def _codes(step: dict[str, object]) -> list[tuple[object, object]]:
    return sorted((d["code"], d["line"]) for d in step["diagnostics"])  # type: ignore[attr-defined,index]


def _fixed_by_cli(tmp_path: Path, routes: Path) -> str:
    """What `aiolint check --fix` writes for the module (its only safe fix is
    the one the editor applied), in a copy of the project."""
    copy = tmp_path / "cli"
    shutil.copytree(routes.parent.parent, copy)
    fixed = copy / routes.parent.name / routes.name
    aiolint = str(Path(sys.executable).with_name("aiolint"))
    subprocess.run(
        [aiolint, "check", "--fix", str(fixed)], cwd=copy, capture_output=True, check=False
    )
    return fixed.read_text()


# The snippets in README order: 0.10's vim.lsp.start, 0.7-0.9's start_client
# (nvim-lspconfig's needs the plugin, which is not installed here).
SNIPPETS = [
    pytest.param(0, (0, 10), id="vim.lsp.start"),
    pytest.param(1, (0, 7), id="start_client"),
]


@pytest.mark.parametrize("which", ["system", "extra"])
@pytest.mark.parametrize(("index", "since"), SNIPPETS)
def test_neovim_session(which: str, index: int, since: tuple[int, int], tmp_path: Path) -> None:
    path, version = _neovim(which)
    if version[:2] < since:
        shown = ".".join(map(str, version))
        pytest.skip(f"this snippet needs Neovim {since[0]}.{since[1]}+, found {shown}")
    health, routes = write_project(tmp_path / "svc")
    report = drive(path, readme_snippets()[index], health, routes)
    steps = _steps(report)
    assert _codes(steps["warm"]) == []
    # Neovim 0.10 and later pull diagnostics (textDocument/diagnostic); 0.7-0.9
    # have them pushed
    pulls = version[:2] >= (0, 10)
    assert [steps[name]["pulled"] for name in ("open", "fixed", "typed")] == [pulls] * 3

    # didOpen: the sleep (AIO201) and the helper that blocks (AIO206) ...
    assert _codes(steps["open"]) == [("AIO201", 11), ("AIO206", 17)]
    (chain,) = [d for d in steps["open"]["diagnostics"] if d["code"] == "AIO206"]  # type: ignore[attr-defined,index]
    helpers = (tmp_path / "svc" / "app" / "helpers.py").resolve().as_uri()
    # ... whose chain Neovim keeps as the diagnostic's relatedInformation
    assert [(r["uri"], r["line"], r["message"]) for r in chain["related"]] == [
        (helpers, 3, "`helpers.lookup()` is defined here"),
        (helpers, 4, "calls `helpers._slow()`"),
        (helpers, 8, "blocks: `time.sleep(...)`"),
    ]

    # the quick fix, applied by Neovim, then checked again: AIO201 is gone
    assert report["action"] == "aiolint (AIO201): Replace with `await asyncio.sleep(...)`"
    fixed = steps["fixed"]
    text = "\n".join(fixed["lines"]) + "\n"  # type: ignore[arg-type]
    assert "    await asyncio.sleep(0.1)\n" in text
    assert text == _fixed_by_cli(tmp_path, routes)
    assert [code for code, _ in _codes(fixed)] == ["AIO206"]

    # typing a blocking call in a route: found at the new line
    typed = steps["typed"]
    assert ("AIO201", report["typed_line"]) in _codes(typed)
    for step in ("open", "fixed", "typed"):
        assert isinstance(steps[step]["ms"], float)
