"""How well each rule's `ast` gate predicts where the rule reports.

Runs `aiolint check PATH --no-cache` in this process (the CLI's own discovery,
per-file configuration and project model) with the worker replaced: for each
file it counts, per rule, whether the text prefilter passed, whether the `ast`
gate passed, and whether the rule reported there (noqa comments ignored, so a
suppressed finding counts as one the gate had to let through). It prints, per
rule, the files its gate passes, the files it reports in, the gate's files
where it never reports, and the files that reach LibCST for this rule alone.

    python scripts/gate_stats.py PATH [PATH ...] [--wasted CODE] [--json FILE] [--gates-only]

`--gates-only` skips linting (the `fires` and `wasted` columns stay 0): only
what reaches LibCST is counted, in the time of the `ast` pass.

`--wasted CODE` lists the files where that rule's gate passed and it reported
nothing (the look-alikes to read when narrowing the gate).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from aiolint.cli import main as cli
from aiolint.cli import runner
from aiolint.cli.jobs import Job, JobOutcome
from aiolint.engine import lint as engine
from aiolint.engine.gate import AstFacts, collect
from aiolint.engine.lint import decode_source, lint_source
from aiolint.engine.model import INVALID_FILE, FileResult
from aiolint.engine.registry import rules_for
from aiolint.engine.rule import Rule
from aiolint.semantic.context import LintOptions
from aiolint.workspace.files import read_source


class Stats:
    def __init__(self, lint: bool = True) -> None:
        self.lint = lint
        self.files = 0
        self.text: Counter[str] = Counter()
        self.gate: Counter[str] = Counter()
        self.fires: Counter[str] = Counter()
        self.alone: Counter[str] = Counter()
        self.reaching = 0
        self.wasted: dict[str, list[str]] = defaultdict(list)
        #: Called with each file's path, `ast` facts and the rules whose gate passed.
        self.on_gate: Callable[[str, AstFacts, list[type[Rule]]], None] | None = None

    def check(self, job: Job) -> None:
        self.files += 1
        rules = [r for r in rules_for(job.codes) if r.code != INVALID_FILE]
        options = LintOptions(**dict(job.options))  # type: ignore[arg-type]
        try:
            source = read_source(job.path)
            text = decode_source(source)
            tree = ast.parse(source)
        except (OSError, ValueError, SyntaxError):
            return
        project = options.project
        through = project is not None and project.mentioned_in(text)
        texted = [r for r in rules if engine._applies(r, text, options, through)]
        if not texted:
            return
        facts = collect(tree)
        if project is not None:
            module, is_package = project.module_name(str(job.path))
            facts.add_project(project, module, is_package)
        gated = [r for r in texted if r.gate(facts)]
        if self.on_gate is not None:
            self.on_gate(job.shown, facts, gated)
        for rule in texted:
            self.text[rule.code] += 1
        if not gated:
            return
        self.reaching += 1
        if len(gated) == 1:
            self.alone[gated[0].code] += 1
        for rule in gated:
            self.gate[rule.code] += 1
        if not self.lint:
            return
        result = lint_source(
            source,
            job.shown,
            gated,
            replace(options, ignore_noqa=True),
            resolve_fixes=False,
        )
        fired = {d.code for d in result.diagnostics}
        for rule in gated:
            if rule.code in fired:
                self.fires[rule.code] += 1
            else:
                self.wasted[rule.code].append(job.shown)

    def table(self) -> str:
        lines = [
            f"files checked {self.files}, reaching LibCST {self.reaching}",
            f"{'rule':8} {'text':>6} {'gate':>6} {'fires':>6} {'wasted':>6} {'alone':>6}",
        ]
        for code in sorted(self.text):
            gate, fires = self.gate[code], self.fires[code]
            lines.append(
                f"{code:8} {self.text[code]:6} {gate:6} {fires:6} {gate - fires:6} "
                f"{self.alone[code]:6}"
            )
        return "\n".join(lines)

    def as_json(self) -> dict[str, object]:
        return {
            "files": self.files,
            "reaching": self.reaching,
            "rules": {
                code: {
                    "text": self.text[code],
                    "gate": self.gate[code],
                    "fires": self.fires[code],
                    "alone": self.alone[code],
                    "wasted": self.wasted[code],
                }
                for code in sorted(self.text)
            },
        }


def run(paths: Sequence[str], stats: Stats | None = None) -> Stats:
    stats = stats or Stats()

    def run_jobs(
        jobs: Sequence[Job],
        workers: int,
        on_result: Callable[[int, JobOutcome], None],
        tick: Callable[[], None] | None = None,
    ) -> None:
        for index, job in enumerate(jobs):
            stats.check(job)
            on_result(index, JobOutcome(FileResult(job.shown)))

    runner.run_jobs = run_jobs  # type: ignore[assignment]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        cli.main(["check", *paths, "--no-cache", "--exit-zero"])
    return stats


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--wasted", metavar="CODE", help="list the gate's files without findings")
    parser.add_argument("--json", metavar="FILE", type=Path)
    parser.add_argument("--gates-only", action="store_true", help="count, do not lint")
    args = parser.parse_args(argv)
    stats = run(args.paths, Stats(lint=not args.gates_only))
    print(stats.table())
    if args.wasted:
        print(f"\n{args.wasted}: gate passed, no finding:")
        for shown in stats.wasted[args.wasted]:
            print(f"  {shown}")
    if args.json:
        args.json.write_text(json.dumps(stats.as_json(), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
