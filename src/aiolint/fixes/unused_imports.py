"""Remove the imports that fixes made unused (`import time` once every
`time.sleep(...)` became `await asyncio.sleep(...)`), so a fixed file does not
leave F401 for the next tool.

An import is removed only when the code the fix replaced used it and nothing
else does: at the top of the module or inside a function (`import time` in
the body of the `async def` whose sleep was fixed). An import that was unused
before the fix is the user's business and stays; so does one in a package's
`__init__.py` (other modules may import the name from there). An import that
carries a comment (`import time  # For delay between retries`, a comment line
above it, or inside its parentheses) is kept with its comment: removing it
would drop the comment, and the fix stays safe instead of becoming unsafe.

Two places use these rules:

- `imports_made_unused`: the removals one fix makes on its own, found with the
  file's scope analysis (every use of the import lies in the code the fix
  replaces, and the replacement names it nowhere). The engine adds them to the
  fix's edits, so the JSON output and the server's quick fix carry them.
- `remove_imports_made_unused`: after `--fix`, what several fixes made unused
  together (two sleeps, each fix leaving the other's use), by comparing the
  names the original and the fixed code use ("used" over-approximated: a name
  anywhere, or a word of any string but a docstring, which covers `__all__`
  and string annotations) and LibCST's unused-import analysis of the result.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from collections import Counter
from collections.abc import Collection, Iterator, Sequence

import libcst as cst
from libcst.metadata import Assignment

from aiolint.engine.model import Edit
from aiolint.semantic.context import FileContext
from aiolint.semantic.visit_order import children

__all__ = ["imports_made_unused", "removal", "remove_imports_made_unused"]

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Removal = cst.SimpleStatementLine | cst.RemovalSentinel


def removal(
    module: cst.Module,
    line: cst.SimpleStatementLine,
    unused: Collection[cst.ImportAlias],
    alone: bool,
) -> Removal | None:
    """`line` (one import statement) without the aliases `unused`, or its
    removal when none is left; None when it must stay: the line holds more than
    the import, removing it would empty its block (`alone`), or would drop a
    comment."""
    if len(line.body) != 1:
        return None
    statement = line.body[0]
    if not isinstance(statement, cst.Import | cst.ImportFrom) or isinstance(
        statement.names, cst.ImportStar
    ):
        return None
    names = list(statement.names)
    kept = [alias for alias in names if alias not in unused]
    if len(kept) == len(names):
        return None
    if not kept:
        if alone:
            return None
        result: Removal = cst.RemoveFromParent()
        new_code = ""
    else:
        if kept[-1] is not names[-1]:
            kept[-1] = kept[-1].with_changes(comma=names[-1].comma)
        result = line.with_changes(body=[statement.with_changes(names=kept)])
        new_code = module.code_for_node(result)
    old_code = module.code_for_node(line)
    if "#" in old_code and Counter(_comments(old_code)) - Counter(_comments(new_code)):
        return None  # the comment goes with the import: keep both
    return result


def _comments(code: str) -> list[str]:
    try:
        return [
            token.string
            for token in tokenize.generate_tokens(io.StringIO(code).readline)
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError):
        return ["#"]  # cannot tell: as if a comment were dropped


def _is_package_init(path: str) -> bool:
    return os.path.basename(path) == "__init__.py"


# --- one fix ------------------------------------------------------------------


def imports_made_unused(ctx: FileContext, edits: Sequence[Edit]) -> tuple[Edit, ...]:
    """Edits removing the imports a fix with these node edits makes unused on
    its own (see the module doc)."""
    inside: set[cst.CSTNode] = set()
    for edit in edits:
        inside.update(_subtree(edit.node))
    imported = ctx.facts.imports if ctx.facts is not None else None
    candidates = [
        node
        for node in inside
        if isinstance(node, cst.Name) and (imported is None or node.value in imported)
    ]
    if not candidates:
        return ()
    named = {
        node.value
        for edit in edits
        if isinstance(edit.replacement, cst.CSTNode)
        for node in _subtree(edit.replacement)
        if isinstance(node, cst.Name)
    }
    unused: dict[cst.SimpleStatementLine, set[cst.ImportAlias]] = {}
    for name in candidates:
        scope = ctx.scopes.get(name)
        if scope is None:
            continue
        for access in scope.accesses[name]:
            for referent in access.referents:
                alias = _made_unused(ctx, referent, inside, named)
                if alias is not None:
                    line = ctx.parent(ctx.parent(alias) or alias)
                    if isinstance(line, cst.SimpleStatementLine):
                        unused.setdefault(line, set()).add(alias)
    removals: list[Edit] = []
    for line, aliases in unused.items():
        block = ctx.parent(line)
        if block is None or line in inside:
            continue
        if isinstance(block, cst.Module) and _is_package_init(ctx.path):
            continue
        alone = isinstance(block, cst.IndentedBlock) and len(block.body) == 1
        replacement = removal(ctx.module, line, aliases, alone)
        if replacement is not None:
            removals.append(Edit(line, replacement))
    return tuple(removals)


def _made_unused(
    ctx: FileContext,
    referent: object,
    inside: set[cst.CSTNode],
    named: set[str],
) -> cst.ImportAlias | None:
    """The alias of the import `referent` binds when every use of it lies in
    `inside` and the new code does not name it; else None."""
    if not isinstance(referent, Assignment):
        return None
    statement = referent.node
    if not isinstance(statement, cst.Import | cst.ImportFrom):
        return None
    if isinstance(statement, cst.ImportFrom) and (
        isinstance(statement.names, cst.ImportStar)
        or (isinstance(statement.module, cst.Name) and statement.module.value == "__future__")
    ):
        return None
    bound = referent.name
    strings = _file_strings(ctx)
    if strings is None or bound.split(".", 1)[0] in named or bound in strings:
        return None
    references = referent.references
    if not references or any(access.node not in inside for access in references):
        return None
    for alias in statement.names:
        if (
            isinstance(alias, cst.ImportAlias)
            and (alias.evaluated_alias or alias.evaluated_name) == bound
        ):
            return alias
    return None


def _file_strings(ctx: FileContext) -> set[str] | None:
    """The words of the file's strings but docstrings (see `_used`); None when
    Python cannot parse the file (every name then counts as used)."""
    key = "unused_imports.strings"
    if key not in ctx.memo:
        # The text the tree was parsed from has the same strings as the tree's
        # code (only a tab/space mix of leading indentation may be respaced),
        # without generating the module's code again (1.4 s on dispatch).
        source = ctx.text if ctx.text is not None else ctx.source
        try:
            tree: ast.Module | None = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        ctx.memo[key] = _string_words(tree) if tree is not None else None
    words: set[str] | None = ctx.memo[key]
    return words


def _subtree(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and the nodes under it but formatting (whitespace, commas,
    operators: `visit_order.children`, cheaper than LibCST's `children`)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))


# --- several fixes, after --fix -----------------------------------------------


def remove_imports_made_unused(original: str, fixed: str, path: str = "") -> str:
    """`fixed` without the imports its fixes made unused together (see the module doc)."""
    try:
        before, after = ast.parse(original), ast.parse(fixed)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return fixed
    unused_names = _used(before) - _used(after)
    if not unused_names or not (_import_names(after) & unused_names):
        return fixed
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import GatherUnusedImportsVisitor
    from libcst.metadata import MetadataWrapper

    from aiolint.semantic.model import parent_map

    try:
        module = cst.parse_module(fixed)
    except Exception:  # a tab/space mix LibCST refuses as written: leave the imports
        return fixed
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    wrapper.resolve_many(GatherUnusedImportsVisitor.get_inherited_dependencies())
    gatherer = GatherUnusedImportsVisitor(CodemodContext(wrapper=wrapper))
    module.visit(gatherer)
    parents = parent_map(module)
    unused: dict[cst.SimpleStatementLine, set[cst.ImportAlias]] = {}
    for alias, statement in gatherer.unused_imports:
        bound = (alias.evaluated_alias or alias.evaluated_name).split(".", 1)[0]
        line = parents.get(statement)
        if bound in unused_names and isinstance(line, cst.SimpleStatementLine):
            unused.setdefault(line, set()).add(alias)
    replacements: dict[cst.CSTNode, Removal] = {}
    for line, aliases in unused.items():
        block = parents.get(line)
        if block is None or (isinstance(block, cst.Module) and _is_package_init(path)):
            continue
        alone = isinstance(block, cst.IndentedBlock) and len(block.body) == 1
        replacement = removal(module, line, aliases, alone)
        if replacement is not None:
            replacements[line] = replacement
    if not replacements:
        return fixed
    cleaned = module.visit(_Replace(replacements)).code
    for newline in ("\r\n", "\r", "\n"):  # LibCST drops a final lone CR
        if fixed.endswith(newline):
            if not cleaned.endswith(newline):
                cleaned += newline
            break
    return cleaned


class _Replace(cst.CSTTransformer):
    def __init__(self, replacements: dict[cst.CSTNode, Removal]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel:
        return self.replacements.get(original_node, updated_node)


def _used(tree: ast.Module) -> set[str]:
    """Every name the code may use (see the module doc)."""
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return names | _string_words(tree)


def _string_words(tree: ast.Module) -> set[str]:
    """The words of every string but a docstring."""
    found: set[str] = set()
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            found.update(_WORD.findall(node.value))
    return found


def _import_names(tree: ast.Module) -> set[str]:
    """The names the file's imports bind, anywhere (`from __future__` aside)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((a.asname or a.name).split(".", 1)[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            found.update(a.asname or a.name for a in node.names if a.name != "*")
    return found
