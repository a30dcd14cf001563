"""Remove the imports that fixes made unused (`import time` once every
`time.sleep(...)` became `await asyncio.sleep(...)`), so a fixed file does not
leave F401 for the next tool.

Only a top-level, unconditional `import x` / `from x import y` whose name the
original code used and the fixed code no longer uses is removed; an import that
was unused before the fix is the user's business and stays. "Used" is
over-approximated (a name, anywhere, in any context, or a word of any string
but a docstring, which covers `__all__` and string annotations), so a doubt
keeps the import.
LibCST's `RemoveImportsVisitor` does the removal, and itself removes nothing
its scope analysis still sees in use.
"""

from __future__ import annotations

import ast
import re

from aiolint.tabs import parse_module, tabs_as_spaces

__all__ = ["remove_imports_made_unused"]

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def remove_imports_made_unused(original: str, fixed: str) -> str:
    """`fixed` without the imports its fixes made unused (see the module doc)."""
    try:
        before, after = ast.parse(original), ast.parse(fixed)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return fixed
    unused = _used(before) - _used(after)
    targets = [item for item in _top_level_imports(after) if item[0] in unused]
    if not targets:
        return fixed
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import RemoveImportsVisitor

    removals = [(module, name, alias) for _, module, name, alias in targets]
    module = parse_module(fixed, fixed)  # a tab/space mix LibCST refuses as written
    cleaned = RemoveImportsVisitor(CodemodContext(), removals).transform_module(module).code
    for newline in ("\r\n", "\r", "\n"):  # LibCST drops a final lone CR
        if fixed.endswith(newline):
            if not cleaned.endswith(newline):
                cleaned += newline
            break
    # Only the import block may change; the rest is kept as `fixed` has it
    # (LibCST may have parsed it with the indentation's tabs as spaces).
    start = _code_start(fixed, after)
    for parsed in (fixed, tabs_as_spaces(fixed)):
        if parsed is not None and cleaned.endswith(parsed[start:]):
            return cleaned[: len(cleaned) - (len(parsed) - start)] + fixed[start:]
    return fixed


def _code_start(text: str, tree: ast.Module) -> int:
    """The offset of the first top-level statement that is no import (or the end)."""
    for statement in tree.body:
        if not isinstance(statement, ast.Import | ast.ImportFrom | ast.Expr):
            lines = text.splitlines(keepends=True)
            return sum(len(line) for line in lines[: statement.lineno - 1])
    return len(text)


def _used(tree: ast.Module) -> set[str]:
    """Every name the code may use (see the module doc)."""
    found: set[str] = set()
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            found.update(_WORD.findall(node.value))
    return found


def _top_level_imports(tree: ast.Module) -> list[tuple[str, str, str | None, str | None]]:
    """(bound name, module, imported name, alias) of each top-level import."""
    found: list[tuple[str, str, str | None, str | None]] = []
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                bound = alias.asname or alias.name.split(".", 1)[0]
                found.append((bound, alias.name, None, alias.asname))
        elif isinstance(statement, ast.ImportFrom):
            if statement.level or not statement.module or statement.module == "__future__":
                continue
            for alias in statement.names:
                if alias.name != "*":
                    found.append(
                        (alias.asname or alias.name, statement.module, alias.name, alias.asname)
                    )
    return found
