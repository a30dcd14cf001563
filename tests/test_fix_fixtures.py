"""Fix fixtures (see `fix_harness`): exact output, and the FIXES.md guarantees
on every fixable rule: compiles, idempotent, lints clean for what was fixed,
and the same result under CRLF, a UTF-8 BOM, a latin-1 cookie, and `# noqa`."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fix_harness import expected_path, fix_fixtures, rule_code, run_fix
from fixture_expectations import FIXTURES, read_expectations

from aiolint.fixes.apply import compiles

FILES = fix_fixtures()
IDS = [str(p.relative_to(FIXTURES)) for p in FILES]
UPDATE = os.environ.get("AIOLINT_UPDATE_FIXED") == "1"


def fixed_bytes(path: Path, source: bytes) -> bytes:
    outcome = run_fix(source, path)
    assert outcome.error is None, outcome.error
    assert outcome.fixed is not None, "no fix was applied"
    return outcome.fixed


def test_every_fixable_rule_has_a_fix_fixture() -> None:
    from aiolint.engine.model import FixAvailability
    from aiolint.engine.registry import load_rules

    fixable = {c for c, r in load_rules().items() if r.fix_availability is not FixAvailability.NONE}
    assert fixable <= {rule_code(p) for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_fix_output_is_exact(path: Path) -> None:
    fixed = fixed_bytes(path, path.read_bytes())
    expected = expected_path(path)
    if UPDATE:
        expected.write_bytes(fixed)
    assert fixed.decode() == expected.read_text()


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_fixed_output_compiles_is_idempotent_and_clean(path: Path) -> None:
    fixed = expected_path(path).read_bytes()
    assert compiles(fixed.decode(), str(path))
    again = run_fix(fixed, path)
    assert again.error is None and again.fixed is None, "a second --fix changed the file"
    left = {(d.start.line, d.code) for d in again.result.diagnostics}
    allowed = {
        key
        for key in read_expectations(fixed).errors
        if "nofix" in fixed.decode().splitlines()[key[0] - 1]
    }
    assert left <= allowed, f"left after fixing, not marked nofix: {sorted(left - allowed)}"


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _bom(data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


def _latin1(data: bytes) -> bytes:
    return b"# -*- coding: latin-1 -*-\n" + data.decode("utf-8").encode("latin-1")


@pytest.mark.parametrize("variant", [_crlf, _bom, _latin1], ids=["crlf", "bom", "latin1"])
@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_bytes_variants_fix_the_same_way(path: Path, variant) -> None:
    source, expected = path.read_bytes(), expected_path(path).read_bytes()
    assert fixed_bytes(path, variant(source)) == variant(expected)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_noqa_variant_is_left_alone(path: Path) -> None:
    source = path.read_bytes()
    code = rule_code(path)
    lines = source.decode().split("\n")
    for line_number, found in read_expectations(source).errors:
        if found != code:
            continue
        line = lines[line_number - 1]
        if "# noqa:" in line:  # flake8 reads the first noqa comment only
            lines[line_number - 1] = line.replace("# noqa:", f"# noqa: {code},", 1)
        else:
            lines[line_number - 1] = f"{line}  # noqa: {code}"
    silenced = "\n".join(lines).encode()
    outcome = run_fix(silenced, path)
    assert outcome.error is None and outcome.fixed is None
    assert not [d for d in outcome.result.diagnostics if d.code == code]


def test_harness_reads_nofix_markers() -> None:
    assert re.search("nofix", "x  # error: AIO201 nofix")


def test_fixed_fixtures_leave_no_unused_or_unsorted_import() -> None:
    """What a fix imports lands where isort puts it and what it made unused is
    gone: the expected outputs pass ruff's F401, F811 (nothing imported twice)
    and I001 (the fixtures' `app` package being the project's own)."""
    import shutil
    import subprocess
    import sys

    ruff = shutil.which("ruff", path=os.path.dirname(sys.executable)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    proc = subprocess.run(
        [
            ruff,
            "check",
            "--isolated",
            "--select",
            "F401,F811,I001",
            "--config",
            "lint.isort.known-first-party = ['app']",
            # One fixture defines a function twice on purpose (no import); in
            # two, an unused import stays on purpose, with its comment.
            "--config",
            "lint.per-file-ignores = { 'AIO102_fix_self_cancel.fixed.py' = ['F811'],"
            " 'AIO201_import_comment.fixed.py' = ['F401'],"
            " 'AIO201_local_import.fixed.py' = ['F401'] }",
            "--output-format",
            "concise",
            *map(str, (expected_path(p) for p in FILES)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout
