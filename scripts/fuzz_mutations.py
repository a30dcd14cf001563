"""Fuzz the engine with mutations of real code (issue 17's reliability trial).

Takes Python files from the folders given (the real applications under
/work/real, say), mutates each several times (lines deleted, duplicated or
swapped, indentation rewritten with tabs and form feeds, stray brackets,
backslashes and NUL bytes, long `and`/`or` chains and string concatenations,
blocking calls spliced into async code, line endings changed, the text cut
short) and runs every program through the engine as `aiolint check --fix
--unsafe-fixes` does, with every rule, in worker processes (a native crash
costs one program and is counted).

A finding is: an exception out of the engine, an internal error (but the
engine's refusal of a fix that fails verification), a worker that dies, an
AIO000 without a message, an AIO000 calling a file Python compiles a syntax
error, or fixed code that does not compile where the program did.

    python scripts/fuzz_mutations.py /work/real --programs 2000 --seed 1
"""

from __future__ import annotations

import argparse
import ast
import collections
import os
import random
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from aiolint.cli.pool import Pool
from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

RULES = resolve_selection(["ALL"])
SETTINGS = FixSettings(unsafe=True)
#: Calls rules report (and most fix), with the import each needs.
BLOCKING = (
    ("import time", "time.sleep(1)"),
    ("import requests", "requests.get(url)"),
    ("import os", "open('f').read()"),
    ("import subprocess", "subprocess.run(['ls'])"),
    ("from sqlalchemy.orm import Session", "Session().query(User).all()"),
    ("import asyncio", "await asyncio.gather(a(), b())"),
    ("import asyncio", "asyncio.create_task(job())"),
    ("from sqlalchemy import text", 'session.execute(text(f"SELECT * FROM t WHERE id = {x}"))'),
)
Mutation = Callable[[random.Random, list[str]], list[str]]


def _line(rng: random.Random, lines: list[str]) -> int:
    return rng.randrange(len(lines)) if lines else 0


def delete_line(rng: random.Random, lines: list[str]) -> list[str]:
    if lines:
        del lines[_line(rng, lines)]
    return lines


def duplicate_line(rng: random.Random, lines: list[str]) -> list[str]:
    if lines:
        index = _line(rng, lines)
        lines.insert(index, lines[index])
    return lines


def swap_lines(rng: random.Random, lines: list[str]) -> list[str]:
    if len(lines) > 1:
        index = rng.randrange(len(lines) - 1)
        lines[index], lines[index + 1] = lines[index + 1], lines[index]
    return lines


def reindent(rng: random.Random, lines: list[str]) -> list[str]:
    """Leading spaces as tabs (every line: valid), tab+spaces mixes or form
    feeds (some lines: often a TabError)."""
    every = rng.random() < 0.5
    chosen = range(len(lines)) if every else rng.sample(range(len(lines)), min(len(lines), 30))
    for index in chosen:
        line = lines[index]
        body = line.lstrip(" ")
        width = len(line) - len(body)
        if not width:
            continue
        style = "tabs" if every else rng.choice(("tabs", "mix", "ff"))
        if style == "tabs":
            prefix = "\t" * (width // 4) + " " * (width % 4)
        elif style == "mix":
            prefix = " " * (width - 4) + "\t" if width >= 8 else " " * width
        else:
            prefix = "\f" + " " * width
        lines[index] = prefix + body
    return lines


def stray_character(rng: random.Random, lines: list[str]) -> list[str]:
    if lines:
        index = _line(rng, lines)
        line = lines[index]
        at = rng.randrange(len(line) + 1)
        char = rng.choice("()[]{}:;,\\\t\f'\"#@=\x00\u00a0\ufeff\u2028")
        lines[index] = line[:at] + char + line[at:]
    return lines


def backslash_line(rng: random.Random, lines: list[str]) -> list[str]:
    index = _line(rng, lines)
    indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())] if lines else ""
    lines.insert(index, indent + "\\\n")
    return lines


def long_chain(rng: random.Random, lines: list[str]) -> list[str]:
    operator = rng.choice((" and ", " or ", " + ", " < ", " "))
    count = rng.choice((10, 300, 1_500, 4_000, 9_000))
    operand = "'s'" if operator == " " else "a"
    lines.append("x = " + operator.join([operand] * count) + "\n")
    return lines


def splice_blocking(rng: random.Random, lines: list[str]) -> list[str]:
    """A call a rule reports, its import before it, before a statement of an
    async function's body (at its indentation), else after a random line."""
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    sites = [
        statement
        for node in (ast.walk(tree) if tree is not None else ())
        if isinstance(node, ast.AsyncFunctionDef)
        for statement in node.body
    ]
    imported, call = rng.choice(BLOCKING)
    if sites and (site := rng.choice(sites)).lineno <= len(lines):  # splitlines: \f is a break
        index = site.lineno - 1
        line = lines[index]
        indent = line[: len(line) - len(line.lstrip())]
        if line[len(indent) : len(indent) + 1] and len(indent) == site.col_offset:
            lines[index:index] = [indent + imported + "\n", indent + call + "\n"]
            return lines
    index = _line(rng, lines)
    line = lines[index] if lines else ""
    indent = line[: len(line) - len(line.lstrip())]
    if line.rstrip().endswith(":"):
        indent += "    "
    lines[index + 1 : index + 1] = [indent + imported + "\n", indent + call + "\n"]
    return lines


def make_async(rng: random.Random, lines: list[str]) -> list[str]:
    defs = [i for i, line in enumerate(lines) if line.lstrip().startswith("def ")]
    if defs:
        index = rng.choice(defs)
        lines[index] = lines[index].replace("def ", "async def ", 1)
    return lines


def line_endings(rng: random.Random, lines: list[str]) -> list[str]:
    ending = rng.choice(("\r\n", "\r"))
    return [line.rstrip("\r\n") + ending if line.endswith("\n") else line for line in lines]


def cut_short(rng: random.Random, lines: list[str]) -> list[str]:
    text = "".join(lines)
    return [text[: rng.randrange(len(text) + 1)]]


def noqa_comment(rng: random.Random, lines: list[str]) -> list[str]:
    if lines:
        index = _line(rng, lines)
        comment = rng.choice(("  # noqa", "  # noqa: AIO201", "  # aiolint: noqa", "  # noqa:"))
        lines[index] = lines[index].rstrip("\r\n") + comment + "\n"
    return lines


#: Mutations that mostly keep the program valid (so the rules and fixes run).
KEEPING: tuple[Mutation, ...] = (
    reindent,
    long_chain,
    splice_blocking,
    splice_blocking,
    splice_blocking,
    make_async,
    line_endings,
    noqa_comment,
    duplicate_line,
)
#: Mutations that mostly break it (the parsers' and AIO000's edges).
BREAKING: tuple[Mutation, ...] = (
    delete_line,
    swap_lines,
    stray_character,
    backslash_line,
    cut_short,
)


def mutate(rng: random.Random, text: str) -> tuple[str, str]:
    lines = text.splitlines(keepends=True)
    chosen = [rng.choice(KEEPING) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.4:
        chosen.insert(rng.randrange(len(chosen) + 1), rng.choice(BREAKING))
    for mutation in chosen:
        lines = mutation(rng, lines)
    return "".join(lines), "+".join(mutation.__name__ for mutation in chosen)


def compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "fuzz.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def check(item: tuple[str, str, str]) -> tuple[list[str], list[str]]:
    """Lint and fix one program: the findings (empty: all is well), and what
    happened (for the summary)."""
    name, how, text = item
    source = text.encode("utf-8", "surrogatepass")
    findings: list[str] = []
    try:
        outcome = fix_source(source, "fuzz.py", RULES, LintOptions(), SETTINGS)
    except Exception as exc:
        return [f"{name} [{how}]: exception {exc.__class__.__name__}: {exc}"], ["exception"]
    errors = list(outcome.result.errors)
    if outcome.error is not None:
        errors.append(outcome.error)
    for error in errors:
        if "the fixed code does not" in error.detail:
            continue  # the engine's own refusal of a fix that fails verification
        findings.append(f"{name} [{how}]: internal error in {error.where}: {error.detail}")
    python_accepts = compiles(text)
    for diagnostic in outcome.result.diagnostics:
        if diagnostic.code != "AIO000":
            continue
        if not diagnostic.message.strip() or diagnostic.message.endswith(": "):
            findings.append(f"{name} [{how}]: AIO000 without a message")
        if python_accepts and diagnostic.message.startswith("SyntaxError"):
            findings.append(f"{name} [{how}]: AIO000 SyntaxError on code Python compiles")
    fixed = outcome.fixed.decode("utf-8", "surrogatepass") if outcome.fixed is not None else None
    if fixed is not None and python_accepts and not compiles(fixed):
        findings.append(f"{name} [{how}]: the fixed code does not compile")
    seen = ["compiles" if python_accepts else "rejected"]
    seen += [d.code for d in outcome.result.diagnostics]
    seen += ["fixed"] if fixed is not None else []
    return findings, seen


def crashed(item: tuple[str, str, str], reason: str) -> tuple[list[str], list[str]]:
    return [f"{item[0]} [{item[1]}]: {reason}"], ["crash"]


def seeds(folders: list[str]) -> list[Path]:
    found: list[Path] = []
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "node_modules"]
            found.extend(Path(root, f) for f in files if f.endswith(".py"))
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--programs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    files = seeds(args.folders)
    items: list[tuple[str, str, str]] = []
    while len(items) < args.programs:
        path = rng.choice(files)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if len(text) > 40_000 or "async def" not in text:
            continue  # the seeds are async modules, where the rules look
        program, how = mutate(rng, text)
        items.append((str(path), how, program))
    findings: list[str] = []
    seen: collections.Counter[str] = collections.Counter()
    started = time.monotonic()

    def collect(_: int, outcome: tuple[list[str], list[str]]) -> None:
        findings.extend(outcome[0])
        seen.update(outcome[1])

    Pool(check, crashed, workers=args.jobs).run(items, range(len(items)), collect)
    kinds = collections.Counter(how for _, how, _ in items for how in how.split("+"))
    print(f"{len(items)} programs from {len(files)} files in {time.monotonic() - started:.0f} s")
    print("mutations:", ", ".join(f"{name} {count}" for name, count in sorted(kinds.items())))
    print("outcomes:", ", ".join(f"{name} {count}" for name, count in sorted(seen.items())))
    print(f"{len(findings)} findings")
    for finding in findings:
        print("  " + finding[:400])
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
