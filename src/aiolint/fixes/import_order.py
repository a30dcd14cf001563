"""Add an import where isort (ruff's `I001`, default settings) would put it.

The file's leading import block is read as isort reads it: sections (`__future__`,
the standard library, third-party, first-party, relative imports; first-party
are the project's own top-level packages, from the project model, and without
one they count as third-party), each holding `import x`
lines before `from x import y` lines, by module name ignoring case. A name
asked `from x` joins an existing `from x import ...` line without `as`
names, in isort's member order (CONSTANTS, Classes, functions, ignoring
case). A new line goes before the first line of its section and style that
sorts after it, else after the last line of its section; a new section is
separated by one blank line. A
file without imports gets the line after its docstring, and the code after it
gets the blank lines isort wants (two before a `def`/`class`, else one).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import libcst as cst
from libcst.helpers import get_full_name_for_node

from aiolint.engine.model import RequiredImport

__all__ = ["insert_import"]

_FUTURE, _STDLIB, _THIRD_PARTY, _FIRST_PARTY, _LOCAL = range(5)


def insert_import(
    module: cst.Module, required: RequiredImport, first_party: frozenset[str] = frozenset()
) -> cst.Module:
    """`module` with `required` added (nothing when the same import is there);
    `first_party`: the project's top-level packages."""
    body = list(module.body)
    start = 1 if body and _is_docstring(body[0]) else 0
    end = start
    while end < len(body) and _is_import_line(body[end]):
        end += 1
    header = body[start:end]
    if required.name is not None:
        for index, line in enumerate(header):
            merged = _merged(line, required)
            if merged is not None:
                body[start + index] = merged
                return module.with_changes(body=body)
    if any(_same(line, required) for line in header):
        return module
    new = _statement(required)
    keys = [_line_key(line, first_party) for line in header]
    key = _line_key(new, first_party)
    if not header:
        body.insert(start, new)
        if start + 1 < len(body):
            body[start + 1] = _spaced_after_imports(body[start + 1])
        return module.with_changes(body=body)
    same_section = [i for i, line_key in enumerate(keys) if line_key[0] == key[0]]
    if same_section:
        later = [i for i in same_section if keys[i] > key]
        if later:
            at = later[0]
            new = new.with_changes(leading_lines=header[at].leading_lines)
            header[at] = header[at].with_changes(leading_lines=())
        else:
            at = same_section[-1] + 1
    else:
        after = [i for i, line_key in enumerate(keys) if line_key[0] > key[0]]
        if after:
            at = after[0]
            new = new.with_changes(leading_lines=header[at].leading_lines)
            header[at] = header[at].with_changes(leading_lines=(cst.EmptyLine(),))
        else:
            at = len(header)
            new = new.with_changes(leading_lines=(cst.EmptyLine(),))
    if start == 0 and at == 0:
        new = new.with_changes(leading_lines=_without_leading_blanks(new.leading_lines))
    header.insert(at, new)
    return module.with_changes(body=[*body[:start], *header, *body[end:]])


def _without_leading_blanks(lines: Sequence[cst.EmptyLine]) -> tuple[cst.EmptyLine, ...]:
    """The first line of a file takes no blank lines above it (isort drops them;
    they are left when a fix removed the import that stood first)."""
    lines = tuple(lines)
    first = 0
    while first < len(lines) and lines[first].comment is None:
        first += 1
    return lines[first:]


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _is_import_line(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, cst.Import | cst.ImportFrom) for small in statement.body
    )


def _module_of(small: cst.Import | cst.ImportFrom) -> tuple[str, bool]:
    """(module name, relative) of an import statement (its first name for `import`)."""
    if isinstance(small, cst.Import):
        return get_full_name_for_node(small.names[0].name) or "", False
    name = get_full_name_for_node(small.module) if small.module is not None else ""
    return name or "", bool(small.relative)


def _line_key(
    line: cst.SimpleStatementLine, first_party: frozenset[str]
) -> tuple[int, int, str, str, tuple[int, str, str]]:
    """(section, style, module ignoring case, module, first member) of an import
    line (lines importing from one module sort by their first name)."""
    small = line.body[0]
    assert isinstance(small, cst.Import | cst.ImportFrom)
    module, relative = _module_of(small)
    style = 0 if isinstance(small, cst.Import) else 1
    first = (0, "", "")
    if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
        first = _member_key(small.names[0].evaluated_name)
    return _section(module, relative, first_party), style, module.lower(), module, first


def _section(module: str, relative: bool, first_party: frozenset[str]) -> int:
    if relative:
        return _LOCAL
    root = module.split(".", 1)[0]
    if root == "__future__":
        return _FUTURE
    if root in first_party:
        return _FIRST_PARTY
    return _STDLIB if root in sys.stdlib_module_names else _THIRD_PARTY


def _statement(required: RequiredImport) -> cst.SimpleStatementLine:
    if required.name is None:
        small: cst.BaseSmallStatement = cst.Import(
            names=[cst.ImportAlias(name=_dotted(required.module))]
        )
    else:
        small = cst.ImportFrom(
            module=_dotted(required.module),
            names=[cst.ImportAlias(name=cst.Name(required.name))],
        )
    return cst.SimpleStatementLine(body=[small])


def _dotted(name: str) -> cst.Attribute | cst.Name:
    parts = name.split(".")
    node: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _same(line: cst.SimpleStatementLine, required: RequiredImport) -> bool:
    """The line already is `import <module>` (as itself, not under an alias)."""
    for small in line.body:
        if isinstance(small, cst.Import) and required.name is None:
            for alias in small.names:
                if alias.asname is None and get_full_name_for_node(alias.name) == required.module:
                    return True
    return False


def _merged(
    line: cst.SimpleStatementLine, required: RequiredImport
) -> cst.SimpleStatementLine | None:
    """The line with `required.name` joining its `from <module> import ...`
    (the line itself when the name is there already), or None."""
    if len(line.body) != 1:
        return None
    small = line.body[0]
    if not isinstance(small, cst.ImportFrom) or small.relative or small.module is None:
        return None
    if get_full_name_for_node(small.module) != required.module or isinstance(
        small.names, cst.ImportStar
    ):
        return None
    names = list(small.names)
    if any(alias.asname is not None for alias in names):
        return None  # isort keeps `as` imports on their own lines
    assert required.name is not None
    if any(alias.asname is None and alias.evaluated_name == required.name for alias in names):
        return line
    at = next(
        (
            i
            for i, alias in enumerate(names)
            if _member_key(alias.evaluated_name) > _member_key(required.name)
        ),
        len(names),
    )
    names = _with_alias(names, at, cst.ImportAlias(name=cst.Name(required.name)))
    return line.with_changes(body=[small.with_changes(names=names)])


def _member_key(name: str) -> tuple[int, str, str]:
    """isort's `order-by-type`: CONSTANTS, then Classes, then the rest."""
    if name.isupper() and len(name) > 1:
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return kind, name.lower(), name


def _with_alias(
    names: Sequence[cst.ImportAlias], at: int, new: cst.ImportAlias
) -> list[cst.ImportAlias]:
    """`names` with `new` at index `at`, commas in the style of the list."""
    style = next(
        (alias.comma for alias in names if isinstance(alias.comma, cst.Comma)),
        cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
    )
    result = list(names)
    if at < len(result):
        result.insert(at, new.with_changes(comma=style))
    else:
        last = result[-1]
        result[-1] = last.with_changes(comma=style)
        result.append(new.with_changes(comma=last.comma))
    return result


def _spaced_after_imports(statement: cst.BaseStatement) -> cst.BaseStatement:
    """The statement after a new import block, with the blank lines isort wants
    above it (two before a `def` or `class`, else one), comments kept."""
    wanted = 2 if isinstance(statement, cst.FunctionDef | cst.ClassDef) else 1
    leading = list(statement.leading_lines)
    blanks = 0
    for line in leading:
        if line.comment is not None:
            break
        blanks += 1
    if blanks >= wanted:
        return statement
    return statement.with_changes(leading_lines=[cst.EmptyLine()] * (wanted - blanks) + leading)
