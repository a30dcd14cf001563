"""GitLab Code Quality JSON (the `codequality` report artifact of a CI job).

The fingerprint identifies a finding across commits: a hash of the path, the
code and the text of the source line (not its number, so a finding keeps its
fingerprint when lines above it are added or removed). Identical findings on
identical lines of one file are told apart by their order."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence

from aiolint.engine.model import Diagnostic
from aiolint.reporters.base import ReportContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

#: GitLab's scale: info, minor, major, critical, blocker.
SEVERITY = "major"


def fingerprint(path: str, code: str, line_text: str, occurrence: int = 0) -> str:
    key = "\0".join((path, code, line_text.strip(), str(occurrence)))
    # surrogatepass: a file name that is not UTF-8 keeps its own fingerprint
    data = key.encode("utf-8", "surrogatepass")
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def gitlab_issues(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> list[dict[str, Any]]:
    seen: Counter[tuple[str, str, str]] = Counter()
    issues = []
    for d in diagnostics:
        line_text = (ctx.source_line(d) or "").strip()
        key = (d.path, d.code, line_text)
        issues.append(
            {
                "check_name": d.code,
                "description": f"{d.code}: {d.message}",
                "fingerprint": fingerprint(d.path, d.code, line_text, seen[key]),
                "location": {
                    "lines": {"begin": d.start.line, "end": d.end.line},
                    "path": d.path,
                },
                "severity": SEVERITY,
            }
        )
        seen[key] += 1
    return issues


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    json.dump(gitlab_issues(diagnostics, ctx), out, indent=2, ensure_ascii=False)
    out.write("\n")
