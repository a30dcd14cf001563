"""scripts/editor_latency.py: the server's CPU per lint counts the engine's
worker process, where documents are linted (it reported the server's own
3 ms of a 60 ms lint once linting moved there)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from neovim import write_project

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "editor_latency.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("aiolint_editor_latency", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cpu_per_lint_counts_the_worker_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIOLINT_CACHE_DIR", str(tmp_path / "cache"))
    health, routes = write_project(tmp_path / "project")
    root = tmp_path / "project"
    opened, edited = _script().lint_cpu(
        root, str(health.relative_to(root)), str(routes.relative_to(root)), 3
    )
    # the 600-line route module takes tens of ms of CPU to lint, nearly all in
    # the worker (this process's part alone: about 3 ms)
    assert 0.01 < opened < 5 and 0.01 < edited < 5
