"""The fast path changes nothing: the `ast` gate and aiolint's own semantic model
give exactly the findings and fixes of the plain LibCST path.

`LintOptions(gate=False, own_names=False)` runs every rule that passes its text
prefilter on LibCST's own metadata (scopes and qualified names); the default
options skip rules without a candidate site and answer names from the model.
Both must agree on every fixture, and (marked slow) on a sample of the
installed standard library and site-packages. The model's answers (parents,
qualified names, scopes, positions) are also compared node by node with LibCST's
providers.
"""

from __future__ import annotations

import ast
import hashlib
import sys
import sysconfig
from collections.abc import Iterator, Mapping
from pathlib import Path

import libcst as cst
import pytest
from libcst._metadata_dependent import LazyValue
from libcst.metadata import (
    BaseAssignment,
    BuiltinAssignment,
    ImportAssignment,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    Scope,
    ScopeProvider,
    WhitespaceInclusivePositionProvider,
)

from aiolint.engine.gate import collect
from aiolint.engine.lint import lint_source
from aiolint.engine.model import Diagnostic
from aiolint.engine.registry import load_rules
from aiolint.semantic.context import LintOptions
from aiolint.semantic.model import NameModel, ParentMap, parent_map
from aiolint.semantic.positions import Positions, code_in_context
from aiolint.semantic.scopes import is_trivia, scopes_of
from aiolint.semantic.visit_order import children

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FAST = LintOptions()
PLAIN = LintOptions(
    gate=False, own_names=False, own_scopes=False, own_positions=False, own_walk=False
)


def _shape(diagnostic: Diagnostic) -> tuple[object, ...]:
    fix = diagnostic.fix
    return (
        diagnostic.code,
        diagnostic.message,
        diagnostic.start,
        diagnostic.end,
        None if fix is None else (fix.title, fix.applicability, fix.edits),
    )


def _lint(source: bytes, path: str, options: LintOptions) -> tuple[list[tuple[object, ...]], list]:
    result = lint_source(source, path, list(load_rules().values()), options)
    return [_shape(d) for d in result.diagnostics], [(e.where, e.detail) for e in result.errors]


def _sample(root: Path, every: int) -> Iterator[Path]:
    """A stable sample of the `.py` files under `root` (by a hash of the path)."""
    for path in sorted(root.rglob("*.py")):
        digest = hashlib.sha1(path.relative_to(root).as_posix().encode()).digest()
        if digest[0] % every == 0:
            yield path


def _assert_same(paths: list[Path]) -> int:
    compared = 0
    for path in paths:
        try:
            source = path.read_bytes()
        except OSError:
            continue
        assert _lint(source, str(path), FAST) == _lint(source, str(path), PLAIN), path
        compared += 1
    return compared


def test_fixtures_same_with_and_without_fast_path() -> None:
    paths = sorted(FIXTURES.rglob("*.py"))
    assert _assert_same(paths) > 20


@pytest.mark.slow
def test_stdlib_and_site_packages_sample_same_with_and_without_fast_path() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    site = Path(sysconfig.get_paths()["purelib"])
    paths = [p for p in _sample(stdlib, 24) if "site-packages" not in p.parts]
    paths += list(_sample(site, 40))
    assert _assert_same(paths) > 100


def _model_mismatches(source: bytes) -> tuple[int, list[str]]:
    module = cst.parse_module(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    parents = parent_map(module)
    assert dict(parents) == dict(wrapper.resolve(ParentNodeProvider))
    _assert_lean_walks_as_full(module, parents)
    _assert_positions_as_libcst(module, wrapper)
    _assert_scopes_as_libcst(module, wrapper)
    facts = collect(ast.parse(source))
    model = NameModel(module, parents, facts)
    theirs = wrapper.resolve(QualifiedNameProvider)
    scopes = wrapper.resolve(ScopeProvider)
    answered, wrong = 0, []
    for node in parents:
        if isinstance(node, cst.Name):
            answered += _binding_mismatches(node, model, facts.bound, scopes, wrong)
        mine = model.qualified_names(node)
        if mine is None:
            continue
        answered += 1
        expected = theirs.get(node)
        if isinstance(expected, LazyValue):
            expected = expected()
        if mine != set(expected or ()):
            wrong.append(f"{module.code_for_node(node)!r}: {mine} != {expected}")
    return answered, wrong


def _assert_lean_walks_as_full(module: cst.Module, parents: dict[cst.CSTNode, cst.CSTNode]) -> None:
    """The walks that leave formatting nodes out (`ParentMap` until one is asked
    about, `children` without trivia) give what the full walks give."""
    lean = ParentMap(module)
    nodes = [node for node in parents if not is_trivia(type(node))]
    assert list(lean.non_formatting()) == nodes  # in the full map's order
    assert all(lean.get(node) is parents[node] and node in lean for node in nodes)
    assert lean.get(module) is None and module not in lean
    assert not lean._complete  # no formatting node asked about yet
    for node in [module, *parents]:
        full = children(node, trivia=True)
        assert children(node) == [child for child in full if not is_trivia(type(child))]
    trivia = [node for node in parents if is_trivia(type(node))]
    if trivia:
        assert lean[trivia[-1]] is parents[trivia[-1]]
        assert lean._complete
    assert list(lean) == list(parents)
    assert dict(lean) == parents


def _binding_mismatches(
    name: cst.Name,
    model: NameModel,
    bound: set[str],
    scopes: Mapping[cst.CSTNode, Scope | None],
    wrong: list[str],
) -> int:
    """Compare, for one name, what the model says of its bindings without scope
    analysis (`binding_scope`, `parameter_of`, and the `ast` gate's `bound`
    behind `FileContext.binds_beyond_imports`) with LibCST's bindings of it
    (`semantic.bindings.assignments_of`). The number of answers compared."""
    scope = scopes.get(name)
    if scope is None:
        return 0
    referents: set[BaseAssignment] = set()
    for access in scope.accesses[name]:
        referents |= set(access.referents)
    if not referents and name.value in scope:
        referents = set(scope[name.value])
    homes = {
        getattr(r.scope, "node", None) for r in referents if not isinstance(r, BuiltinAssignment)
    }
    answered = 0
    if name.value not in bound:  # only module-level imports (or builtins) bind it
        answered += 1
        if not all(isinstance(r, ImportAssignment | BuiltinAssignment) for r in referents):
            wrong.append(f"{name.value}: not bound beyond imports, yet {referents}")
    home = model.binding_scope(name)
    if isinstance(home, cst.Module) and referents:
        answered += 1
        if not homes <= {None}:  # global bindings or builtins (a GlobalScope has no node)
            wrong.append(f"{name.value}: binding scope {type(home).__name__} != {homes}")
    param = model.parameter_of(name)
    if param is not None:
        answered += 1
        if {getattr(r, "node", None) for r in referents} != {param}:
            wrong.append(f"{name.value}: parameter {param.name.value} != {referents}")
    return answered


def _scope_shape(
    scopes: Mapping[cst.CSTNode, Scope | None], nodes: set[int]
) -> tuple[dict[int, object], dict[object, object]]:
    """Scopes, assignments, accesses and referents, keyed by node identity (for
    the module's own nodes; the formatting nodes aiolint's walk leaves out)."""

    def key(scope: Scope | None) -> object:
        if scope is None:
            return None
        return (type(scope).__name__, id(getattr(scope, "node", None)))

    of_node: dict[int, object] = {}
    every: dict[int, Scope] = {}
    for node, scope in scopes.items():
        if scope is not None:
            every[id(scope)] = scope
        if id(node) in nodes and not is_trivia(type(node)):
            of_node[id(node)] = key(scope)
    detail: dict[object, object] = {}
    for scope in every.values():
        assignments = {
            (a.name, type(a).__name__, id(getattr(a, "node", None))) for a in scope.assignments
        }
        accesses = {
            (id(a.node), a.is_annotation, a.is_type_hint): frozenset(
                (type(r).__name__, id(getattr(r, "node", None)), r.name) for r in a.referents
            )
            for a in scope.accesses
        }
        detail[key(scope)] = (key(scope.parent), assignments, accesses)
    return of_node, detail


def _assert_scopes_as_libcst(module: cst.Module, wrapper: MetadataWrapper) -> None:
    nodes = {id(node) for node in parent_map(module)} | {id(module)}
    theirs = _scope_shape(wrapper.resolve(ScopeProvider), nodes)
    assert _scope_shape(scopes_of(module), nodes) == theirs


def _assert_positions_as_libcst(module: cst.Module, wrapper: MetadataWrapper) -> None:
    """Every node's range and whitespace-inclusive span, as LibCST's providers;
    a statement's code generated under its indentation is its span (but an
    `elif`'s, which its parent generates as such)."""
    positions = Positions(module)
    parents = parent_map(module)
    assert positions.code == module.code
    assert dict(positions) == dict(wrapper.resolve(PositionProvider))
    text = module.code
    for node, rng in wrapper.resolve(WhitespaceInclusivePositionProvider).items():
        start, end = positions.span(node)
        assert (positions._position(start), positions._position(end)) == (rng.start, rng.end)
        elif_ = isinstance(parents.get(node), cst.If)
        if isinstance(node, cst.BaseStatement) and not elif_ and end <= len(text):
            assert text[start:end] == code_in_context(module, node, positions.indent(node))


@pytest.mark.parametrize(
    "source",
    [
        "x = 1\r\ny = (\r\n    2)\r\n",
        "if a:\r    b = 1\relse:\r    c = 2\r",
        "def f():\n\tif x:\n\t\treturn 1\n\telif y:\n\t\tpass",
        "@d\nclass C:  # c\n    'doc'\n\n    x: int = 1; y = 2\n",
        "",
        "\n\n# only a comment",
    ],
)
def test_positions_as_libcst_on_line_endings_and_indentation(source: str) -> None:
    module = cst.parse_module(source)
    _assert_positions_as_libcst(module, MetadataWrapper(module, unsafe_skip_copy=True))


def test_model_answers_as_libcst_on_tricky_code() -> None:
    source = b"""\
import os.path
import a.b.c as abc
from . import sibling
from .pkg import thing as other
from x import y, yy as z
from typing import TypeVar, cast
if TYPE_CHECKING:
    from typing import Optional
try:
    import simplejson as json
except ImportError:
    import json

print(os.path.join("a"), os.getcwd(), abc.d, sibling.f(), other, y.w, z)
json.loads("1")
open = open  # a module-level rebinding of a builtin


class C:
    json = 1
    value = json

    def m(self, os: int) -> None:
        os.path
        json.dumps(1)
        [json for json in ()]
        lambda json: json
        f(key=sibling)


def local_import() -> None:
    import time
    time.sleep(1)


def shadow(time: int = os.sep) -> None:
    time.sleep(1)


def rebound(session, db, json=json) -> None:
    db.query(session)
    session = session or db
    session.query(json)
    lambda db: db.query(session)
    [session for db in session.all()]


class Holder:
    json = json

    def method(self, cls=json) -> None:
        self.json(cls, [self for cls in ()])


def scopes(items: "list[C]", n: "Optional[int]" = None) -> "C":
    global counter
    counter = 1
    total = 0
    for total, item in enumerate(items):
        total += 1
    del total
    with open("f") as (a, b), open("g") as handle:
        print(a, b, handle.read())
    try:
        pass
    except ValueError as error:
        print(error)
    value = cast("C", items)
    T = TypeVar("T", bound="C")

    def inner() -> None:
        nonlocal n
        n = (m := 2) + m

    squares = {k: v for k, v in zip(items, items) if k for v in k}
    return [y for x in items for y in x], squares, (z for z in value), T


match command:
    case [first, *rest] if first:
        print(rest)
    case {"key": found, **others}:
        print(found, others)
"""
    answered, wrong = _model_mismatches(source)
    assert answered > 20
    assert wrong == []


@pytest.mark.slow
def test_model_answers_as_libcst_on_the_standard_library_sample() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    answered = 0
    for path in _sample(stdlib, 30):
        if "site-packages" in path.parts or "test" in path.parts:
            continue
        source = path.read_bytes()
        try:
            count, wrong = _model_mismatches(source)
        except (SyntaxError, cst.ParserSyntaxError, RecursionError):
            continue
        assert wrong == [], (path, wrong[:5])
        answered += count
    assert answered > 1000, sys.version
