"""Editor latency with a real client: Neovim headless against `aiolint server`.

Each run starts Neovim (`--nvim`, default the one on PATH) with the README's
`init.lua` snippet for its version, opens a
module of the project (`--warm`: starts the server and builds the project
model), then the module measured (`--file`), and types two lines into its
first `async def` (tests/nvim_driver.lua). Reported per run, in milliseconds:

* open: from the client's `didOpen` of the module to its diagnostics (pushed
  to Neovim 0.7-0.9, the answer to its pull for 0.10+), the project model warm;
* edit: from the client's `didChange` to the diagnostics of that version,
  less the server's debounce (`DEBOUNCE_SECONDS`) when they are pushed (a
  pull is answered at once);
* cold: from `:edit` of the first module to its diagnostics (server start,
  imports, project model).

Beside them, the CPU seconds of the server's work for the same two lints
(`setup` and `Snapshot.build` in this process, the model warm, plus the
engine's process: its CPU for each call, `Child.cpu`), since the wall times
above grow with the machine's load; and the load average over the runs.

The project is copied (`git archive`, or a plain copy) to a temporary folder
and the cache goes to a temporary AIOLINT_CACHE_DIR, so the checkout is never
written to; the first run fills the cache (cold), the medians are over the
others.

    python scripts/editor_latency.py --project /work/real/dispatch \\
        --warm src/dispatch/project/views.py --file src/dispatch/signal/views.py --runs 7
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from neovim import drive, find_nvim, readme_snippets

from aiolint.server.app import DEBOUNCE_SECONDS


def copy_project(source: Path, target: Path) -> None:
    """The tracked files of `source` (a git work tree), else all of it."""
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(source), "archive", "HEAD"], capture_output=True, check=False
    )
    if archive.returncode == 0:
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    else:
        shutil.copytree(source, target, dirs_exist_ok=True)


def lint_cpu(root: Path, warm: str, measured: str, runs: int) -> tuple[float, float]:
    """Median CPU seconds of linting `measured` as opened and as typed into
    (the server's `setup` + `Snapshot.build`, and the engine process's CPU for
    the call), after `warm` built the model."""
    from aiolint.server.linting import ENGINE, setup
    from aiolint.server.settings import Settings
    from aiolint.server.snapshot import Snapshot

    def cpu(path: Path, text: str) -> float:
        started = time.process_time()
        how = setup(str(path), Settings(), str(root))
        Snapshot.build(path.as_uri(), 1, text, "utf-16", how)
        return time.process_time() - started + ENGINE.cpu

    try:
        cpu(root / warm, (root / warm).read_text(encoding="utf-8"))
        path = root / measured
        text = path.read_text(encoding="utf-8")
        typed = text + "\n\nasync def typed():\n    import time\n    time.sleep(0.5)\n"
        opened: list[float] = []
        edited: list[float] = []
        for _ in range(runs):  # as in the editor: opened, then typed into
            opened.append(cpu(path, text))
            edited.append(cpu(path, typed))
    finally:
        ENGINE.close()
    return statistics.median(opened), statistics.median(edited)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--warm", required=True, help="a module opened first (relative)")
    parser.add_argument("--file", required=True, help="the module measured (relative)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--nvim", default="nvim", help="the Neovim to run (default: on PATH)")
    args = parser.parse_args(argv)
    nvim, version = find_nvim(args.nvim)
    # the README's snippet for this version: 0.10's vim.lsp.start, else start_client
    snippet = readme_snippets()[0 if version[:2] >= (0, 10) else 1]
    with tempfile.TemporaryDirectory(prefix="aiolint-latency-") as folder:
        root = Path(folder) / "project"
        copy_project(args.project, root)
        lines = len((root / args.file).read_text(encoding="utf-8").splitlines())
        cache = {"AIOLINT_CACHE_DIR": str(Path(folder) / "cache")}
        opened: list[float] = []
        edited: list[float] = []
        cold: list[float] = []
        loads: list[float] = []
        for run in range(args.runs + 1):
            report = drive(nvim, snippet, root / args.warm, root / args.file, fix=False, env=cache)
            if report["errors"]:
                print(f"run {run}: {report['errors']}", file=sys.stderr)
                return 1
            steps = {step["step"]: step for step in report["steps"]}  # type: ignore[attr-defined]
            open_ms = float(steps["open"]["ms"])
            debounce = 0.0 if steps["typed"]["pulled"] else DEBOUNCE_SECONDS * 1000
            edit_ms = float(steps["typed"]["ms"]) - debounce
            cold_ms = float(steps["warm"]["ms_from_edit"])
            print(
                f"run {run}: open {open_ms:.0f} ms, edit {edit_ms:.0f} ms, first {cold_ms:.0f} ms"
            )
            if run:  # the first run filled the cache
                loads.append(os.getloadavg()[0])
                opened.append(open_ms)
                edited.append(edit_ms)
                cold.append(cold_ms)
        os.environ.update(cache)
        opened_cpu, edited_cpu = lint_cpu(root, args.warm, args.file, args.runs)
    shown = ".".join(map(str, version))
    print(
        f"Neovim {shown}, {args.file} ({lines} lines), median of {args.runs}: "
        f"didOpen -> diagnostics {statistics.median(opened):.0f} ms; "
        f"didChange -> diagnostics {statistics.median(edited):.0f} ms (+ the debounce "
        f"if pushed); "
        f"first module (server start, project model from the cache) "
        f"{statistics.median(cold):.0f} ms; server CPU per lint: "
        f"{opened_cpu * 1000:.0f} ms opened, {edited_cpu * 1000:.0f} ms typed into; "
        f"load average {min(loads):.1f} to {max(loads):.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
