"""scripts/bench.py: argument building, medians, ratios, tables, synthetic files, measuring.

Fast: no peer runs; the few processes started are tiny Python one-liners.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench.py"


def _load():
    spec = importlib.util.spec_from_file_location("aiolint_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bench = _load()


def make_setup(**overrides):
    values = {
        "paths": ["/src/a", "/src/b.py"],
        "aiolint": ["/venv/bin/python", "-m", "aiolint"],
        "aiolint_has_cache": True,
        "cache_root": "/tmp/bench",
        "fixit_config": "/tmp/bench/fixit.toml",
        "ruff": "/peers/bin/ruff",
        "peer_flake8": "/peers/bin/flake8",
        "fixit": "/peers/bin/fixit",
        "plugin_flake8": ["/venv/bin/python", "-m", "flake8"],
    }
    values.update(overrides)
    return bench.Setup(**values)


def by_name(tools):
    return {tool.name: tool for tool in tools}


def test_tools_and_their_arguments():
    tools, skipped = bench.build_tools(make_setup())
    assert skipped == []
    named = by_name(tools)
    assert list(named) == [
        "aiolint check",
        "aiolint check (cached)",
        "aiolint --version",
        "ruff check --select ASYNC,S608",
        "ruff check --select ASYNC,S608 (cached)",
        "flake8 --select ASYNC (flake8-async)",
        "fixit lint (default rules)",
        "flake8 --select AIO (aiolint plugin)",
    ]
    paths = ["/src/a", "/src/b.py"]
    cold = ["/venv/bin/python", "-m", "aiolint", "check", "--isolated", "--no-cache"]
    assert named["aiolint check"].argv == [*cold, "--exit-zero", "-q", *paths]
    cached = named["aiolint check (cached)"].argv
    assert "--no-cache" not in cached
    assert cached[cached.index("--cache-dir") + 1] == "/tmp/bench/aiolint"
    assert named["aiolint --version"].argv == ["/venv/bin/python", "-m", "aiolint", "--version"]
    assert named["aiolint --version"].compare_to is None
    ruff = named["ruff check --select ASYNC,S608"].argv
    assert ruff[:4] == ["/peers/bin/ruff", "check", "--isolated", "--no-cache"]
    assert ruff[ruff.index("--select") + 1] == "ASYNC,S608"
    assert ruff[-len(paths) :] == paths and "--exit-zero" in ruff
    ruff_cached = named["ruff check --select ASYNC,S608 (cached)"]
    assert "--no-cache" not in ruff_cached.argv
    assert ruff_cached.argv[ruff_cached.argv.index("--cache-dir") + 1] == "/tmp/bench/ruff"
    assert ruff_cached.compare_to == "aiolint check (cached)"
    assert named["flake8 --select ASYNC (flake8-async)"].argv == [
        "/peers/bin/flake8",
        "--isolated",
        "--select",
        "ASYNC",
        "--exit-zero",
        *paths,
    ]
    fixit = named["fixit lint (default rules)"]
    assert fixit.argv == [
        "/peers/bin/fixit",
        "--config-file",
        "/tmp/bench/fixit.toml",
        "lint",
        *paths,
    ]
    assert fixit.check_warmup is not None
    assert named["flake8 --select AIO (aiolint plugin)"].argv == [
        "/venv/bin/python",
        "-m",
        "flake8",
        "--isolated",
        "--select",
        "AIO",
        "--exit-zero",
        *paths,
    ]


def test_without_cache_flags_or_peers_rows_are_skipped_with_a_reason():
    setup = make_setup(
        aiolint_has_cache=False, ruff=None, peer_flake8=None, fixit=None, plugin_flake8=None
    )
    tools, skipped = bench.build_tools(setup)
    named = by_name(tools)
    assert list(named) == ["aiolint check", "aiolint --version"]
    assert "--no-cache" not in named["aiolint check"].argv
    assert len(skipped) == 5
    assert any("aiolint check (cached)" in s and "--cache-dir" in s for s in skipped)


def test_cache_flags_detected_from_help():
    assert bench.has_cache_flags("  --no-cache  neither...\n  --cache-dir PATH  the folder")
    assert not bench.has_cache_flags("  --isolated  ignore all configuration files")
    assert not bench.has_cache_flags("  --no-cache only")


def test_fixit_config_runs_its_default_rules_from_a_root_config():
    import tomllib

    data = tomllib.loads(bench.FIXIT_CONFIG)["tool"]["fixit"]
    assert data == {"root": True, "enable": ["fixit.rules"]}


def test_fixit_splash_parsing():
    assert bench.fixit_files_linted("🛠️  176 files checked, 21 files with errors 🛠️") == 176
    assert bench.fixit_files_linted("🧼 1 file clean 🧼") == 1
    assert bench.fixit_files_linted("") is None
    assert bench.check_fixit_splash("🧼 3 files clean 🧼") == "linted 3 files"
    with pytest.raises(bench.ToolFailed):
        bench.check_fixit_splash("🧼 0 files clean 🧼")


def test_median_and_ratio():
    assert bench.median([3.0, 1.0, 2.0]) == 2.0
    assert bench.median(iter([4.0, 1.0])) == 2.5
    with pytest.raises(ValueError):
        bench.median([])
    assert bench.ratio(3.0, 1.5) == 2.0
    assert bench.ratio(1.0, 0.0) is None
    assert bench.fmt_ratio(None) == "—"
    assert bench.fmt_ratio(2.0) == "2.00x"
    assert bench.fmt_ratio(2.0, reference=True) == "(ref)"
    assert bench.fmt_seconds(0.0123) == "0.012"
    assert bench.fmt_seconds(12.345) == "12.35"


def sample(cpu, wall, rss_mb):
    return bench.Sample(cpu, cpu, 0.0, wall, int(rss_mb * 1024), 0)


def result(name, compare_to, samples, note=""):
    return bench.Result(bench.Tool(name, [name], compare_to=compare_to, note=note), samples)


def results_fixture():
    return [
        result(
            "aiolint check",
            "aiolint check",
            [sample(4.0, 3.0, 100), sample(2.0, 1.0, 120), sample(3.0, 2.0, 90)],
        ),
        result("aiolint --version", None, [sample(0.1, 0.2, 20)]),
        result("ruff", "aiolint check", [sample(0.5, 0.25, 30)], note="--no-cache"),
        result("flake8-async", "aiolint check", [sample(6.0, 8.0, 40)]),
    ]


def test_result_medians_and_peak():
    aiolint = results_fixture()[0]
    assert aiolint.cpu == 3.0
    assert aiolint.wall == 2.0
    assert aiolint.peak_rss_mb == 120  # the max over the runs, not the median


def test_markdown_table():
    table = bench.markdown_table(results_fixture(), bench.Corpus(176, 64930), 3, 2)
    lines = table.splitlines()
    assert lines[0].startswith("Corpus: 176 files, 64,930 lines; median of 3 runs")
    assert lines[2].startswith("| tool | CPU s (median) | wall s (median) | peak RSS MB |")
    assert "aiolint CPU / tool CPU" in lines[2]
    rows = {line.split("|")[1].strip(): line for line in lines if line.startswith("| `")}
    cells = [c.strip() for c in rows["`aiolint check`"].split("|")[1:-1]]
    assert cells == ["`aiolint check`", "3.00", "2.00", "120", "(ref)", "(ref)", ""]
    cells = [c.strip() for c in rows["`ruff`"].split("|")[1:-1]]
    assert cells == ["`ruff`", "0.50", "0.25", "30", "6.00x", "8.00x", "--no-cache"]
    cells = [c.strip() for c in rows["`flake8-async`"].split("|")[1:-1]]
    assert cells[4:6] == ["0.50x", "0.25x"]
    cells = [c.strip() for c in rows["`aiolint --version`"].split("|")[1:-1]]
    assert cells[4:6] == ["—", "—"]


def test_text_table_and_json_report():
    results = results_fixture()
    text = bench.text_table(results, bench.Corpus(2, 10), 3)
    assert "corpus: 2 files, 10 lines; 3 runs" in text
    assert any(line.startswith("ruff") and "6.00x" in line for line in text.splitlines())
    report = bench.json_report(results, bench.Corpus(2, 10), {"runs": 3})
    assert report["corpus"] == {"files": 2, "lines": 10}
    ruff = next(t for t in report["tools"] if t["name"] == "ruff")
    assert ruff["aiolint_cpu_ratio"] == 6.0
    assert ruff["samples"][0]["maxrss_kb"] == 30 * 1024


def test_count_corpus_skips_venvs_and_counts_lines(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\ny = 2\n")
    (tmp_path / "pkg" / "b.py").write_text("z = 3")  # no final newline: still a line
    (tmp_path / "pkg" / "notes.txt").write_text("1\n2\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "c.py").write_text("1\n" * 100)
    single = tmp_path / "single.py"
    single.write_text("1\n2\n3\n")
    assert bench.count_corpus([str(tmp_path)]) == bench.Corpus(3, 6)
    assert bench.count_corpus([str(single)]) == bench.Corpus(1, 3)


@pytest.mark.parametrize("findings", [False, True])
def test_synthetic_source_compiles_at_about_the_size(findings):
    for lines in (100, 1000, 5000):
        source = bench.synth_source(lines, findings=findings)
        compile(source, f"synthetic_{lines}.py", "exec")
        count = source.count("\n")
        assert lines <= count <= lines + 80
    clean = bench.synth_source(1000)
    assert "time.sleep" not in clean and "async def" in clean and "await " in clean
    assert "import asyncio" in clean and "sqlalchemy" in clean
    assert ("time.sleep" in bench.synth_source(1000, findings=True)) is True


def test_sizes_and_arguments():
    assert bench.parse_sizes("1k, 10k,100000") == [1000, 10_000, 100_000]
    assert bench.parse_sizes("2.5k") == [2500]
    with pytest.raises(Exception):  # noqa: B017 - argparse's ArgumentTypeError
        bench.parse_sizes("0")
    args = bench.parse_args(["src", "--runs", "3", "--markdown", "--peers-venv", "/p"])
    assert args.paths == ["src"] and args.runs == 3 and args.markdown
    assert args.peers_venv == "/p" and args.timeout is None
    assert bench.parse_args(["--lines-scaling"]).timeout == 900.0
    with pytest.raises(SystemExit):
        bench.parse_args(["--runs", "0"])


def test_scaling_table_reports_per_line_cost_and_timeouts():
    startup = bench.ScalingRow(0, 0.1, 0.1, 20.0)
    rows = [
        bench.ScalingRow(1000, 1.1, 1.2, 30.0),
        bench.ScalingRow(10_000, 10.1, 10.5, 120.0),
        bench.ScalingRow(100_000, None, None, None),
    ]
    table = bench.scaling_table(rows, startup, 900)
    assert "| 1,000 | 1.10 | 1.20 | 30 | 1000 | 100.0 |" in table
    assert "| 10,000 | 10.10 | 10.50 | 120 | 1000 | 100.0 |" in table
    assert "| 100,000 | > 900 (timed out) |" in table
    assert "each size over the one before: 1.00x (" in table
    rows[1] = bench.ScalingRow(10_000, 20.1, 20.5, 120.0)  # twice the cost per line
    assert "each size over the one before: 2.00x (" in bench.scaling_table(rows, startup, 900)


def python(code):
    return [sys.executable, "-c", textwrap.dedent(code)]


def test_run_once_counts_the_whole_tree_and_rejects_crashes():
    burn = "x = 0\nfor i in range(2_000_000): x += i"
    parent = python(
        f"""
        import subprocess, sys
        subprocess.run([sys.executable, "-c", {burn!r}], check=True)
        """
    )
    alone, _ = bench.run_once(python("pass"))
    tree, _ = bench.run_once(parent)
    assert tree.returncode == 0
    assert tree.cpu > alone.cpu + 0.05  # the waited-for grandchild's CPU is counted
    assert tree.wall > 0 and tree.maxrss_kb > 1000
    ok, _ = bench.run_once(python("import sys; sys.exit(1)"))  # findings: accepted
    assert ok.returncode == 1
    with pytest.raises(bench.ToolFailed, match=r"(?s)exited with 2.*boom"):  # stderr tail
        bench.run_once(python("import sys; sys.stderr.write('boom'); sys.exit(2)"))
    with pytest.raises(bench.ToolFailed, match="exited with -6"):  # killed by a signal
        bench.run_once(python("import os; os.abort()"))
    with pytest.raises(bench.ToolTimedOut):
        bench.run_once(python("import time; time.sleep(30)"), timeout=0.3)


def test_as_a_subreaper_orphans_are_counted():
    # In a process of its own: being a subreaper changes the whole process.
    code = f"""
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("b", {str(SCRIPT)!r})
        bench = importlib.util.module_from_spec(spec)
        sys.modules["b"] = bench
        spec.loader.exec_module(bench)
        if not bench.become_subreaper():
            print("unsupported")
            raise SystemExit
        burn = "x = 0\\nfor i in range(3_000_000): x += i"
        orphaning = [sys.executable, "-c",
            f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {{burn!r}}])"]
        sample, _ = bench.run_once(orphaning)
        print(sample.orphans, sample.cpu)
        """
    out = subprocess.run(
        python(code), capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    if out == ["unsupported"]:
        pytest.skip("no PR_SET_CHILD_SUBREAPER here")
    orphans, cpu = int(out[0]), float(out[1])
    assert orphans == 1
    assert cpu > 0.1


def test_gather_source_is_one_call_of_that_many_arguments():
    source = bench.gather_source(500)
    tree = ast.parse(source)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args and len(n.args) > 1]
    assert [len(c.args) for c in calls] == [500]
    assert source.count("\n") == 9


def test_project_rows_edit_a_copy_and_build_the_model(tmp_path):
    """`--project-rows`: summaries off by the environment, a line added to the
    copy's file before each run, and the model script builds a real model."""
    copy = tmp_path / "copy"
    copy.mkdir()
    edited = copy / "big.py"
    edited.write_text("x = 1\n")
    setup = make_setup(paths=[str(SCRIPT.parents[1] / "fixtures" / "projects" / "sessions")])
    named = by_name(bench.project_tools(setup, str(copy), edited))
    assert list(named) == [
        "aiolint check (summaries off)",
        "aiolint check (one file changed)",
        "project model (cold)",
        "project model (summaries off)",
        "project model (cached)",
    ]
    assert named["aiolint check (summaries off)"].env == {"AIOLINT_NO_SUMMARIES": "1"}
    assert "--no-cache" in named["aiolint check (summaries off)"].argv
    changed = named["aiolint check (one file changed)"]
    assert changed.argv[-1] == str(copy) and "--cache-dir" in changed.argv
    changed.before_run()
    changed.before_run()
    assert edited.read_text() == "x = 1\n# bench edit 1\n# bench edit 2\n"
    model = named["project model (cold)"].argv
    run = subprocess.run([sys.executable, *model[1:]], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
