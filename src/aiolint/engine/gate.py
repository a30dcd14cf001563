"""The stdlib-`ast` gate: which rules can fire on a file, decided before LibCST.

LibCST parses about ten times slower than CPython and its metadata costs more
again, while most files of a real repository hold nothing any rule reports. So
the engine parses each file that passed the rules' text prefilters with `ast`
(C speed) and walks it once, collecting `AstFacts`: the file's import-alias
table, every call with its lexical context (inside an `async def` body or not,
inside a function or not), the attribute names used, the `try` statements of
async code. Each rule's `gate(facts)` then says whether a candidate site exists;
only files with candidates are parsed with LibCST, and only the rules whose
gate passed run.

A gate may only skip what cannot fire: it over-approximates the rule. Callee
names are resolved the way LibCST's qualified names are, but generously: a
name bound by any import anywhere in the file may stand for that import, and a
bare name may be a builtin. A test compares the findings with and without the
gate over the fixtures, the standard library and site-packages.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from aiolint.engine import known_names

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aiolint.project.model import ProjectModel
    from aiolint.project.orm import OrmModel

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_SUSPENSIONS = (ast.Await, ast.Yield, ast.YieldFrom, ast.AsyncFor, ast.AsyncWith)
#: A string literal that starts, after whitespace and SQL comments, with a SQL verb
#: (then it needs a clause word) or a whole SQL statement's first words.
_SQL_START = re.compile(known_names.SQL_LEADING + known_names.SQL_VERB, re.IGNORECASE | re.DOTALL)
_SQL_CLAUSE = re.compile(known_names.SQL_CLAUSE, re.IGNORECASE)
_SQL_STATEMENT = re.compile(
    known_names.SQL_LEADING + known_names.SQL_STATEMENT, re.IGNORECASE | re.DOTALL
)
#: Nodes that bind their `name` (or `rest`): match captures, type parameters.
_BINDERS: tuple[type[ast.AST], ...] = tuple(
    getattr(ast, name)
    for name in ("MatchAs", "MatchStar", "MatchMapping", "TypeVar", "ParamSpec", "TypeVarTuple")
    if hasattr(ast, name)
)
_TYPE_PARAMS: tuple[type[ast.AST], ...] = tuple(
    getattr(ast, name) for name in ("TypeVar", "ParamSpec", "TypeVarTuple") if hasattr(ast, name)
)
#: Method receivers that have no origin unless annotated or rebound.
_SELF = frozenset({"self", "cls"})
_TRIES: tuple[type[ast.AST], ...] = (ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))


@dataclass(frozen=True, slots=True)
class CallSite:
    """A call and where its code runs."""

    node: ast.Call
    #: Lexically in an `async def` body (not in a nested def, lambda or class body).
    in_async: bool
    #: Directly in a `def`/`async def` body (not at module or class level, not in a lambda).
    in_function: bool


@dataclass(slots=True)
class AstFacts:
    """What one walk over a file's `ast` found (see the module doc)."""

    #: Local name -> the dotted names imports anywhere in the file bind it to.
    imports: dict[str, set[str]] = field(default_factory=dict)
    #: Local names more than one import binds (`try: import a as x` / `except: import b as x`).
    reimported: set[str] = field(default_factory=set)
    #: Top-level packages imported (absolute imports), e.g. {"asyncio", "sqlalchemy"}.
    roots: set[str] = field(default_factory=set)
    calls: list[CallSite] = field(default_factory=list)
    #: Every `x.<name>` attribute name in the file.
    attributes: set[str] = field(default_factory=set)
    #: `try` statements in async code.
    async_tries: list[ast.Try] = field(default_factory=list)
    #: Parameter and variable annotations.
    annotations: list[ast.expr] = field(default_factory=list)
    has_assignment: bool = False
    #: Every `=` and annotated assignment with a value, and whether it runs in
    #: a function's own code (not at module level, not in a class body).
    assignments: list[tuple[ast.Assign | ast.AnnAssign, bool]] = field(default_factory=list)
    #: The file defines an `async def`.
    has_async_def: bool = False
    #: String literals (docstrings aside) start like SQL and hold a SQL clause word:
    #: the SQL text a rule can see is made of them.
    has_sql_start: bool = False
    has_sql_clause: bool = False
    has_sql_statement: bool = False
    #: Which of `self`/`cls` are bound by something else than a parameter.
    rebound_self: set[str] = field(default_factory=set)
    #: The annotations of `self`/`cls` parameters, by name.
    self_annotations: dict[str, list[ast.expr]] = field(default_factory=dict)
    #: Names bound anywhere in the file by anything but a module-level import
    #: (assignments, parameters, defs, classes, local imports, `global`...).
    bound: set[str] = field(default_factory=set)
    #: Of those, the names an assignment, a parameter, a `for`/`with` target or
    #: `:=` binds: the bindings whose value a name can be followed to (a def,
    #: a class, an import or an `except` name gives none).
    stored: set[str] = field(default_factory=set)
    #: The first positional parameter of every method (`self`, `cls` or any
    #: other name; the first of the positional-only ones too).
    receivers: set[str] = field(default_factory=set)
    #: Of those, the names bound at module level (comprehension targets there too).
    module_bound: set[str] = field(default_factory=set)
    #: Names bound by `:=` anywhere, and declared `global`/`nonlocal` anywhere.
    walrus: set[str] = field(default_factory=set)
    declared: set[str] = field(default_factory=set)
    #: The file has PEP 695 type parameters (annotation scopes).
    has_type_params: bool = False
    #: The deepest nesting of the tree (statements and expressions; a chain of
    #: `and`/`or` counts a level per operand and a dotted import name a level
    #: per part, as LibCST nests them), and the
    #: (line, column) of a node that deep: LibCST's parser is super-linear in it
    #: and its native recursion overflows the stack past a few thousand levels.
    depth: int = 0
    deepest: tuple[int, int] = (1, 0)
    #: The project's top-level modules and packages (see `add_project`).
    first_party: frozenset[str] = frozenset()
    #: The project's tables of what its modules export (instances, classes,
    #: functions), by exported dotted name.
    project_exports: tuple[Collection[str], ...] = ()
    #: The project (see `add_project`) uses SQLAlchemy.
    project_sqlalchemy: bool = False
    #: Library classes of which the file imports an instance from the project.
    project_instances: set[str] = field(default_factory=set)
    #: The project's blocking sync functions (AIO206), by name, and the last
    #: parts of those names; None: the file is not a module of a project.
    blocking: AbstractSet[str] | None = None
    blocking_names: frozenset[str] | None = None
    #: The project's functions that return a new engine, pool or client (AIO303).
    project_factories: frozenset[str] = frozenset()
    #: The last names of the project's mapped classes (None: no project), and
    #: whether the project uses SQLAlchemy's asyncio API (AIO309, AIO310).
    orm_classes: frozenset[str] | None = None
    orm_async: bool | None = None
    #: The names of the project's relationships that load lazily, and whether
    #: an async session factory of the project may expire on commit.
    orm_lazy: frozenset[str] = frozenset()
    orm_expires: bool = False
    #: Whether this module declares a dynamic relationship (AIO310; None: the
    #: file is not a module of a project, its own classes decide).
    orm_dynamic: bool | None = None
    #: The project model (see `add_project`); None: the file is checked alone.
    project: ProjectModel | None = None
    #: The names and attribute chains inside `annotations` (computed on first use).
    _annotation_names: list[ast.expr] | None = field(default=None, init=False, repr=False)

    def release_nodes(self) -> None:
        """Drop the facts that hold `ast` nodes (once the gates have run), so
        the file's `ast` tree is freed before LibCST parses it: on a 30,000-line
        file the tree is 130 MB of the peak."""
        self.calls = []
        self.assignments = []
        self.async_tries = []
        self.annotations = []
        self.self_annotations = {}
        self._annotation_names = None

    def add_project(self, project: ProjectModel, module: str | None, is_package: bool) -> None:
        """What the file's imports of project modules stand for: relative names
        made absolute, re-exports of library names added as those names, the
        libraries of the project objects imported added to `roots`, their
        classes to `project_instances` (so the gates see through the project)."""
        self.project = project
        self.project_sqlalchemy = project.uses_sqlalchemy
        self.first_party = project.packages
        self.project_exports = (project.instances, project.classes, project.functions)
        if module is not None:
            self.blocking = project.blocking.keys()
            self.blocking_names = project.blocking_names
        self.project_factories = frozenset(project.factories)
        self.orm_classes = frozenset(name.rpartition(".")[2] for name in project.orm.classes)
        self.orm_async = project.orm.uses_async
        self.orm_lazy = project.orm.lazy_names
        self.orm_expires = project.orm.expiry in ("1", "?")
        if module is not None:
            self.orm_dynamic = module in _dynamic_modules(project.orm)
        for bound in self.imports.values():
            for dotted in list(bound):
                name = project.absolute(dotted, module, is_package) if dotted[:1] == "." else dotted
                if name is None:
                    continue
                bound.add(name)
                canonical = project.canonical(name)
                if canonical != name:
                    bound.add(canonical)
                    self.roots.add(canonical.split(".")[0])
                self.roots.update(project.libraries_under(name))
                made = project.instance_class(name)
                if made is not None:
                    self.project_instances.add(made)

    def names_mapped_class(self) -> bool:
        """Whether the file may name a mapped class of the project: it imports
        or binds one's name, or reads it as a module attribute."""
        classes = self.orm_classes
        if not classes:
            return False
        if not classes.isdisjoint(self.bound) or not classes.isdisjoint(self.attributes):
            return True
        return any(
            name.rpartition(".")[2] in classes for bound in self.imports.values() for name in bound
        )

    def imports_any(self, roots: Collection[str]) -> bool:
        """Whether the file imports one of the top-level packages `roots`."""
        return not self.roots.isdisjoint(roots)

    def names(self, expr: ast.expr) -> set[str]:
        """The dotted names `expr` (a name or attribute chain) may resolve to."""
        parts = dotted_parts(expr)
        return self.dotted_names(".".join(parts)) if parts else set()

    def dotted_names(self, full: str) -> set[str]:
        """The qualified names a dotted name (`aio.gather`) may have through the
        file's imports, or as a builtin (LibCST names `str.join` `builtins.str`)."""
        head, _, rest = full.partition(".")
        found = {f"builtins.{head}", f"builtins.{full}"}
        for bound in self.imports.get(head, ()):
            found.add(f"{bound}.{rest}" if rest else bound)
        return found

    def resolves_to(self, expr: ast.expr, targets: Collection[str]) -> bool:
        return any(name in targets for name in self.names(expr))

    def call_sites(
        self, *, in_async: bool = False, in_function: bool = False
    ) -> Iterator[CallSite]:
        for site in self.calls:
            if (in_async and not site.in_async) or (in_function and not site.in_function):
                continue
            yield site

    def calls_to(
        self, targets: Collection[str], *, in_async: bool = False, in_function: bool = False
    ) -> bool:
        """Whether a call (in the given context) may invoke one of `targets`."""
        return any(
            self.resolves_to(site.node.func, targets)
            for site in self.call_sites(in_async=in_async, in_function=in_function)
        )

    def annotated(
        self, targets: Collection[str], annotations: list[ast.expr] | None = None
    ) -> bool:
        """Whether an annotation may name one of `targets` (`Optional[T]` and
        `Annotated[T, ...]` included)."""
        if annotations is None:
            if self._annotation_names is None:
                self._annotation_names = _names_in(self.annotations)
            names = self._annotation_names
        else:
            names = _names_in(annotations)
        return any(self.resolves_to(node, targets) for node in names)

    def instantiates(self, classes: Collection[str]) -> bool:
        """Whether an instance of one of `classes` can be known to exist in the
        file: a call of one of them, an annotation naming one, or one imported
        from a project module."""
        return (
            self.calls_to(classes)
            or self.annotated(classes)
            or not self.project_instances.isdisjoint(classes)
        )

    @property
    def has_sql_literal(self) -> bool:
        return (self.has_sql_start and self.has_sql_clause) or self.has_sql_statement

    def method_calls(
        self,
        methods: Collection[str],
        *,
        in_async: bool = False,
        receiver_types: Collection[str] | None = None,
    ) -> bool:
        """Whether a call `<receiver>.<method>(...)` with one of `methods` exists.

        With `receiver_types` (the classes a receiver's origin must come from),
        a receiver on a `self`/`cls` parameter counts only if that parameter is
        annotated with one of them somewhere or the name is bound otherwise: a
        bare parameter has no origin."""
        for site in self.call_sites(in_async=in_async):
            func = site.node.func
            if not isinstance(func, ast.Attribute) or func.attr not in methods:
                continue
            if receiver_types is not None and not self._self_may_be(func.value, receiver_types):
                continue
            return True
        return False

    def _self_may_be(self, receiver: ast.expr, types: Collection[str]) -> bool:
        parts = dotted_parts(receiver)
        if not parts or parts[0] not in _SELF or parts[0] in self.rebound_self:
            return True
        return self.annotated(types, self.self_annotations.get(parts[0], []))


#: The modules declaring a dynamic relationship, for the last ORM model asked about.
_DYNAMIC: list[tuple[OrmModel, frozenset[str]]] = []


def _dynamic_modules(orm: OrmModel) -> frozenset[str]:
    if not _DYNAMIC or _DYNAMIC[0][0] is not orm:
        found = frozenset(
            declared[3]
            for attributes in orm.classes.values()
            for declared in attributes.values()
            if declared[0] == "r" and declared[1] == "dynamic"
        )
        _DYNAMIC[:] = [(orm, found)]
    return _DYNAMIC[0][1]


def dotted_parts(expr: ast.expr) -> list[str]:
    """`a.b.c` -> ["a", "b", "c"]; [] for anything but a Name/Attribute chain."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return []
    parts.append(expr.id)
    parts.reverse()
    return parts


def _names_in(annotations: list[ast.expr]) -> list[ast.expr]:
    return [
        node
        for annotation in annotations
        for node in ast.walk(annotation)
        if isinstance(node, ast.Name | ast.Attribute)
    ]


def suspends(statements: list[ast.stmt]) -> bool:
    """Whether the code may suspend (an await, yield, `async for`/`with` or async
    comprehension), nested functions included (an over-approximation)."""
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, _SUSPENSIONS):
                return True
            if isinstance(node, ast.comprehension) and node.is_async:
                return True
    return False


def collect(tree: ast.Module) -> AstFacts:
    """Walk `tree` once (iteratively: deep files must not overflow the stack)."""
    facts = AstFacts()
    calls, attributes, tries = facts.calls, facts.attributes, facts.async_tries
    bound, stored = facts.bound, facts.stored
    module_bound = facts.module_bound
    # (node, in_async, in_function, in a def/lambda/class body, depth)
    stack: list[tuple[ast.AST, bool, bool, bool, int]] = [(tree, False, False, False, 0)]
    push = stack.append
    pop = stack.pop
    deepest = 0
    while stack:
        node, in_async, in_function, scoped, depth = pop()
        if depth > deepest:
            deepest = depth
            facts.depth = depth
            facts.deepest = (getattr(node, "lineno", 1), getattr(node, "col_offset", 0))
        kind = type(node)
        if kind is ast.Call:
            calls.append(CallSite(node, in_async, in_function))  # type: ignore[arg-type]
        elif kind is ast.Attribute:
            attributes.add(node.attr)  # type: ignore[attr-defined]
        elif kind in _TRIES:
            if in_async:
                tries.append(node)  # type: ignore[arg-type]
        elif kind is ast.Import or kind is ast.ImportFrom:
            _record_import(facts, node, scoped)  # type: ignore[arg-type]
            # LibCST nests a dotted name as attributes, a level per part, where
            # the `ast` keeps a string: `import a.a.a...` of 6,000 parts crashed it.
            level = depth + _dotted_parts(node)  # type: ignore[arg-type]
            if level > deepest:
                deepest = facts.depth = level
                facts.deepest = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
            continue
        elif kind is ast.Name:
            if type(node.ctx) is not ast.Load:  # type: ignore[attr-defined]
                bound.add(node.id)  # type: ignore[attr-defined]
                stored.add(node.id)  # type: ignore[attr-defined]
                if not scoped:
                    module_bound.add(node.id)  # type: ignore[attr-defined]
                if node.id in _SELF:  # type: ignore[attr-defined]
                    facts.rebound_self.add(node.id)  # type: ignore[attr-defined]
            continue
        elif kind is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            if isinstance(value, str | bytes):
                text = value if isinstance(value, str) else value.decode("latin-1")
                if not facts.has_sql_start:
                    facts.has_sql_start = _SQL_START.match(text) is not None
                if not facts.has_sql_clause:
                    facts.has_sql_clause = _SQL_CLAUSE.search(text) is not None
                if not facts.has_sql_statement:
                    facts.has_sql_statement = _SQL_STATEMENT.match(text) is not None
            continue
        elif kind is ast.Expr:
            if type(node.value) is ast.Constant:  # type: ignore[attr-defined]
                continue  # a docstring (or a bare literal): never SQL that runs
        elif kind is ast.arg:
            bound.add(node.arg)  # type: ignore[attr-defined]
            stored.add(node.arg)  # type: ignore[attr-defined]
            if node.annotation is not None:  # type: ignore[attr-defined]
                facts.annotations.append(node.annotation)  # type: ignore[attr-defined]
                if node.arg in _SELF:  # type: ignore[attr-defined]
                    facts.self_annotations.setdefault(node.arg, []).append(  # type: ignore[attr-defined]
                        node.annotation  # type: ignore[attr-defined]
                    )
        elif kind is ast.ExceptHandler or kind in _BINDERS:
            for name in (getattr(node, "name", None), getattr(node, "rest", None)):
                if isinstance(name, str):
                    bound.add(name)
                    if not scoped:
                        module_bound.add(name)
                    if name in _SELF:
                        facts.rebound_self.add(name)
            if kind in _TYPE_PARAMS:
                facts.has_type_params = True
        elif kind is ast.Global or kind is ast.Nonlocal:
            bound.update(node.names)  # type: ignore[attr-defined]
            facts.declared.update(node.names)  # type: ignore[attr-defined]
        elif kind is ast.NamedExpr:
            target = node.target  # type: ignore[attr-defined]
            if isinstance(target, ast.Name):
                facts.walrus.add(target.id)
        elif kind is ast.BoolOp:
            # LibCST nests `a and b and c` as binary operations, one level per
            # operand: a flat 8,000-operand `and` is 8,000 deep for its parser.
            values = node.values  # type: ignore[attr-defined]
            level = depth + len(values) - 1
            if level > deepest:  # the chain's start, where LibCST's nesting begins
                deepest = facts.depth = level
                facts.deepest = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
            for item in values:
                push((item, in_async, in_function, scoped, level))
            continue
        elif kind is ast.AnnAssign:
            facts.has_assignment = True
            facts.annotations.append(node.annotation)  # type: ignore[attr-defined]
            if node.value is not None:  # type: ignore[attr-defined]
                facts.assignments.append((node, in_function))  # type: ignore[arg-type]
        elif kind is ast.Assign:
            facts.has_assignment = True
            facts.assignments.append((node, in_function))  # type: ignore[arg-type]
        elif kind is ast.AugAssign:
            facts.has_assignment = True
        elif kind in _SCOPES:
            if kind is ast.AsyncFunctionDef:
                facts.has_async_def = True
            if kind is not ast.Lambda:
                bound.add(node.name)  # type: ignore[attr-defined]
                if not scoped:
                    module_bound.add(node.name)  # type: ignore[attr-defined]
                if getattr(node, "type_params", None):
                    facts.has_type_params = True
            if kind is ast.ClassDef:
                facts.receivers.update(_receivers(node.body))  # type: ignore[attr-defined]
            for child, child_async, child_function, child_scoped in _scope_children(
                node, in_async, in_function, scoped
            ):
                push((child, child_async, child_function, child_scoped, depth + 1))
            continue
        # ast.iter_child_nodes, inlined (a generator per node was a third of
        # the walk), without the context and operator singletons.
        for name in kind._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST) and type(item) not in _LEAVES:
                        push((item, in_async, in_function, scoped, depth + 1))
            elif isinstance(value, ast.AST) and type(value) not in _LEAVES:
                push((value, in_async, in_function, scoped, depth + 1))
    return facts


#: Node types that hold nothing the gate records: expression contexts and operators.
_LEAVES = frozenset(
    kind
    for base in (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
    for kind in base.__subclasses__()
)


def _receivers(body: list[ast.stmt]) -> Iterator[str]:
    """The first positional parameters of a class body's methods (defs in its
    `if`, `try`, `with`... blocks included, nested classes and defs not)."""
    pending = list(body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = statement.args
            for params in (arguments.posonlyargs, arguments.args):
                if params:
                    yield params[0].arg
        elif not isinstance(statement, ast.ClassDef):
            for name in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(statement, name, ()):
                    if isinstance(child, ast.stmt):
                        pending.append(child)
                    else:  # an except handler or a match case
                        pending.extend(child.body)


def _scope_children(
    node: ast.AST, in_async: bool, in_function: bool, scoped: bool
) -> Iterator[tuple[ast.AST, bool, bool, bool]]:
    """A def, lambda or class: decorators, defaults, annotations and bases run in
    the enclosing code; the body runs in its own."""
    if isinstance(node, ast.Lambda):
        yield node.args, in_async, in_function, scoped
        yield node.body, False, False, True
        return
    if isinstance(node, ast.ClassDef):
        for outer in (*node.decorator_list, *node.bases, *node.keywords):
            yield outer, in_async, in_function, scoped
        for statement in node.body:
            yield statement, False, False, True
        return
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    for outer in node.decorator_list:
        yield outer, in_async, in_function, scoped
    yield node.args, in_async, in_function, scoped
    if node.returns is not None:
        yield node.returns, in_async, in_function, scoped
    body_async = isinstance(node, ast.AsyncFunctionDef)
    for statement in node.body:
        yield statement, body_async, True, True


def _dotted_parts(node: ast.Import | ast.ImportFrom) -> int:
    """The parts of the longest dotted name an import statement spells."""
    names = [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        names.append(node.module)
    return max(name.count(".") + 1 for name in names)


def _record_import(facts: AstFacts, node: ast.Import | ast.ImportFrom, scoped: bool) -> None:
    if scoped:  # a local import binds a local name (heads of dotted names too)
        for alias in node.names:
            if alias.name != "*":
                facts.bound.add(alias.asname or alias.name.split(".")[0])
    if isinstance(node, ast.Import):
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            if local in facts.imports:
                facts.reimported.add(local)
            if alias.asname is not None:
                facts.imports.setdefault(alias.asname, set()).add(alias.name)
                if alias.asname in _SELF:
                    facts.rebound_self.add(alias.asname)
            else:
                head = alias.name.split(".")[0]
                facts.imports.setdefault(head, set()).add(head)
            facts.roots.add(alias.name.split(".")[0])
        return
    module = node.module or ""
    if not node.level:
        facts.roots.add(module.split(".")[0])
    for alias in node.names:
        if alias.name == "*":
            continue
        local = alias.asname or alias.name
        if local in _SELF:
            facts.rebound_self.add(local)
        if local in facts.imports:
            facts.reimported.add(local)
        bound = facts.imports.setdefault(local, set())
        bound.add(f"{module}.{alias.name}" if module else alias.name)
        if node.level:  # `from .x import y`: LibCST keeps the dots; be generous
            bound.add("." * node.level + (f"{module}.{alias.name}" if module else alias.name))
