"""Function summaries of one module, from CPython's `ast` (part of its record).

For every module-level function and every method of a module-level class
(`"f"`, `"C.m"`), and every function nested in one (`"f.<locals>.g"`, as
LibCST's qualified names spell it), a `Summary`, a plain tuple that
`marshal` stores:

- `is_async`, `generator`: calling a coroutine or generator function runs none
  of its body, so neither blocks its caller;
- `offloaded`: a decorator that makes the function run in a thread or turns it
  into a coroutine (`@sync_to_async`, `@asyncify`): calling it blocks nothing;
- `blocks`: `(code, line, shown)` for each call in its own body (not in nested
  functions, lambdas or classes) that AIO201-AIO205 flag in async code, by the
  resolved library name (`time.sleep`, `requests.get`, `subprocess.run`,
  `open`, `psycopg2.connect`);
- `uses`: `(made, method, line, shown)` for each call of a database method on a
  receiver the linker may know (`db.query(...)` with `db: Session`, `db =
  SessionLocal()`, `with SessionLocal() as db`, a module's `engine`; a `with`
  target is `("enter", ...)`, what the call's context manager gives): `made` is
  every way the receiver is made in the function (see `aiolint.project.scan`:
  `db: Session = None` then `db = SessionLocal()` is two), all of which must
  agree;
- `calls`: `(how, target, line)` for each call that may reach another function
  of the project: `("name", dotted)` for `helper()` / `crud.get()`,
  `("self", method)` for `self.m()` / `cls.m()` in a method, `("inst", made,
  method)` for `svc.m()` on a local or parameter made by a project class
  (`made` as in `uses`);
- `params`: the names of its positional parameters, in order;
- `sessions`: what it uses as a session itself, by calling a session method
  on it (`session.execute(...)`, `await self.session.flush()`): `("param",
  name)` for a parameter it never rebinds, `("self", attr)` for `self.<attr>`;
- `passes`: `(call, position, source)` for each parameter or `self.<attr>`
  (`source`, as in `sessions`) passed on to a call that may reach a project
  function (`call` as in `calls`; `position`: the argument's index, or its
  keyword): the model follows it (`aiolint.project.sessions`);
- `stores`: `(attr, param, annotation)` for each `self.<attr> = <param>`
  (what a constructor keeps; `annotation`: the class the parameter is
  annotated with, dotted, or "").

- `pooled`: `(made, method, line, shown)` for each call that may take a
  connection from a pool (AIO106): a call of a name the linker may know as a
  session factory (`SessionLocal()`, method `"()"`), `.begin()` / `.connect()`
  on what may be a factory or an engine, an HTTP verb on what may be a shared
  client (`client.get(...)`); `made` as in `uses`, or `(("ref", dotted),)`
  for a module-level or imported name. The linker decides which they are
  (`aiolint.project.pooled`);
- `guards`: the ways each value entered by `async with <name or attribute>:`
  or `.acquire()`d in the body is made (`()`: unknown, e.g. `self.sem` or a
  closure's `sem`): a semaphore, lock or capacity limiter bounds how many
  callers run the rest of the body at once.

Every field is kept for coroutine functions too (AIO106 follows what a task
calls); AIO206's closure skips them (a coroutine is never a link of a
blocking chain).

Names are resolved through the module's imports (module level and the
function's own); a name the function binds itself is not the import, and in a
nested function a name an enclosing function binds is unknown.
"""

from __future__ import annotations

import ast
import builtins

from aiolint.engine import known_names
from aiolint.project.expr import annotation_class, dotted_name, record_import, value_made
from aiolint.project.nodes import ModuleIndex, index_module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

    from aiolint.project.nodes import Own

    Made: TypeAlias = tuple[str, ...]
    Summary: TypeAlias = tuple[
        bool,
        bool,
        bool,
        int,
        tuple[tuple[str, int, str], ...],
        tuple[tuple[tuple[Made, ...], str, int, str], ...],
        tuple[tuple[object, ...], ...],
        tuple[str, ...],
        tuple[tuple[str, str], ...],
        tuple[tuple[tuple[object, ...], int | str, tuple[str, str]], ...],
        tuple[tuple[str, str, str], ...],
        tuple[tuple[tuple[Made, ...], str, int, str], ...],
        tuple[tuple[Made, ...], ...],
    ]

#: Receiver methods that may do database I/O (a sync Session's, a sync Engine's).
_DB_METHODS = known_names.SESSION_IO_METHODS | known_names.ENGINE_METHODS
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
#: Methods that do the I/O of a session (sync or async): a call of one uses
#: its receiver as a session (AIO305's "uses the session").
SESSION_USES = known_names.SESSION_IO_METHODS | frozenset(
    {"stream", "stream_scalars", "run_sync", "begin_nested"}
)
#: Methods that may take a connection from a pool, on a receiver the linker
#: may know (`"()"`: calling the receiver itself, a session factory).
POOL_METHODS = frozenset({"()", "begin", "connect", *known_names.HTTP_CLIENT_METHODS})


def summaries(
    statements: list[ast.stmt],
    imports: dict[str, str],
    package: str,
    index: ModuleIndex | None = None,
) -> dict[str, Summary]:
    """The summary of every function and class method among a module's
    statements (`imports`: the module's, as the scan records them; `package`:
    the package relative imports start from; `index`: the module's
    `aiolint.project.nodes.index_module`, made here when not given)."""
    defined = {s.name for s in statements if isinstance(s, _DEFINITIONS)}
    for stmt in statements:  # module-level values (`engine = create_engine(...)`)
        if isinstance(stmt, ast.Assign):
            defined.update(n for target in stmt.targets for n in _names(target))
        elif isinstance(stmt, ast.AnnAssign):
            defined.update(_names(stmt.target))
    if index is None:
        index = index_module(ast.Module(body=statements, type_ignores=[]))
    reader = _Reader(imports, defined, package, index)
    found: dict[str, Summary] = {}
    for stmt in statements:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            found[stmt.name] = reader.summary(stmt, None)
            _nested(reader, found, stmt.name, stmt, frozenset())
        elif isinstance(stmt, ast.ClassDef):
            for item in stmt.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    key = f"{stmt.name}.{item.name}"
                    found[key] = reader.summary(item, stmt.name)
                    _nested(reader, found, key, item, frozenset())
    return found


def _nested(
    reader: _Reader,
    found: dict[str, Summary],
    key: str,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    enclosing: frozenset[str],
) -> None:
    """Summarise the functions defined in `func`'s body (not in its nested
    classes), and theirs, as `key.<locals>.name`; the names `func` and the
    functions around it bind are unknown in them."""
    _, binders, _ = reader.own(func)
    inner = [n for n in binders if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if not inner:
        return
    names = set(enclosing) | {a.arg for a in _params(func)}
    for node in binders:
        names.update(_bound_by(node))
    outer = frozenset(names)
    for child in inner:
        child_key = f"{key}.<locals>.{child.name}"
        if child_key in found:  # defined twice: which one runs is unknown
            found.pop(child_key)
            continue
        found[child_key] = reader.summary(child, None, outer)
        _nested(reader, found, child_key, child, outer)


def _bound_by(node: ast.AST) -> list[str]:
    """The names a binding node of a function body binds."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [a.asname or a.name.split(".")[0] for a in node.names]
    if isinstance(node, ast.Assign):
        return [n for target in node.targets for n in _names(target)]
    if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor | ast.comprehension):
        return _names(node.target)
    if isinstance(node, ast.With | ast.AsyncWith):
        return [n for i in node.items if i.optional_vars for n in _names(i.optional_vars)]
    if isinstance(node, ast.NamedExpr):
        return [node.target.id]
    name = getattr(node, "name", None)
    return [name] if isinstance(name, str) else []


class _Reader:
    def __init__(
        self,
        imports: dict[str, str],
        defined: set[str],
        package: str,
        index: ModuleIndex,
    ) -> None:
        self.imports = imports
        self.defined = defined
        self.package = package
        self.index = index
        #: The names the functions around the one being read bind.
        self.enclosing: frozenset[str] = frozenset()

    def summary(
        self,
        func: ast.FunctionDef | ast.AsyncFunctionDef,
        owner: str | None,
        enclosing: frozenset[str] = frozenset(),
    ) -> Summary:
        """`enclosing`: the names the functions around a nested one bind."""
        self.enclosing = enclosing
        calls_made, nodes, generator = self.own(func)
        local_imports: dict[str, str] = {}
        bound: dict[str, list[Made | None]] = {}
        params = _params(func)
        for arg in params:
            ann = annotation_class(arg.annotation) if arg.annotation is not None else ""
            bound.setdefault(arg.arg, []).append(("ann", ann) if ann else None)
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                record_import(local_imports, node, self.package)
            elif isinstance(node, ast.Assign):
                value = value_made(node.value)
                for target in node.targets:
                    for name in _names(target):
                        bound.setdefault(name, []).append(
                            value if isinstance(target, ast.Name) else None
                        )
            elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(
                node.target, ast.Name
            ):
                ann = ""
                if isinstance(node, ast.AnnAssign):
                    ann = annotation_class(node.annotation)
                value = ("ann", ann) if ann else None
                if value is None and isinstance(node, ast.AnnAssign) and node.value is not None:
                    value = value_made(node.value)
                bound.setdefault(node.target.id, []).append(value)
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if item.optional_vars is not None:
                        value = value_made(item.context_expr)
                        if value is not None and value[0] == "call":  # what it enters
                            value = ("enter", *value[1:])
                        single = isinstance(item.optional_vars, ast.Name)
                        for name in _names(item.optional_vars):
                            bound.setdefault(name, []).append(value if single else None)
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                for name in _names(node.target):
                    bound.setdefault(name, []).append(None)
            elif isinstance(node, ast.NamedExpr):
                bound.setdefault(node.target.id, []).append(None)
            elif (isinstance(node, ast.ExceptHandler) and node.name) or isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
            ):
                bound.setdefault(node.name, []).append(None)
        imports = {**self.imports, **local_imports}
        self_name = params[0].arg if owner is not None and params and not _static(func) else None
        sessions = self._sessions(func, calls_made, nodes, bound, self_name, local_imports, imports)
        blocks: list[tuple[str, int, str]] = []
        uses: list[tuple[Made, str, int, str]] = []
        calls: list[tuple[object, ...]] = []
        pooled: list[tuple[tuple[Made, ...], str, int, str]] = []
        guards: list[tuple[Made, ...]] = []
        for node in calls_made:
            written = dotted_name(node.func)
            if not written:
                continue
            head, _, rest = written.partition(".")
            method = rest.rpartition(".")[2] if rest else "()"
            if method == "acquire" and rest:  # `await sem.acquire()`
                guards.append(self._made(written.rpartition(".")[0], bound, local_imports))
            if head in enclosing and head not in bound:
                continue  # a closure's variable: unknown
            if head in bound and head not in local_imports:
                if head == self_name and rest and "." not in rest:
                    calls.append(("self", rest, node.lineno))
                elif "." not in rest:
                    values = tuple(dict.fromkeys(bound[head]))
                    if all(v is not None and v[0] != "unknown" for v in values):
                        if method in POOL_METHODS:
                            pooled.append((values, method, node.lineno, f"{written}(...)"))
                        if rest in _DB_METHODS:
                            uses.append((values, rest, node.lineno, f"{written}(...)"))
                        if rest:
                            calls.append(("inst", values, rest, node.lineno))
                continue
            if method in POOL_METHODS and (head in imports or head in self.defined):
                receiver = written.rpartition(".")[0] if rest else written
                pooled.append(((("ref", receiver),), method, node.lineno, f"{written}(...)"))
            if head in imports:
                resolved = imports[head] + (f".{rest}" if rest else "")
                code = known_names.BLOCKING_CALLS.get(resolved)
                if code is not None:
                    blocks.append((code, node.lineno, f"{written}(...)"))
                    continue
                if rest and rest.rpartition(".")[2] in _DB_METHODS:
                    owner_name, _, method = written.rpartition(".")
                    uses.append(((("ref", owner_name),), method, node.lineno, f"{written}(...)"))
                calls.append(("name", written, node.lineno))
            elif head in self.defined:
                if rest and rest.rpartition(".")[2] in _DB_METHODS:
                    owner_name, _, method = written.rpartition(".")
                    uses.append(((("ref", owner_name),), method, node.lineno, f"{written}(...)"))
                calls.append(("name", written, node.lineno))
            elif not rest and hasattr(builtins, head):
                code = known_names.BLOCKING_CALLS.get(f"builtins.{head}")
                if code is not None:
                    blocks.append((code, node.lineno, f"{written}(...)"))
        return (
            isinstance(func, ast.AsyncFunctionDef),
            generator,
            self._offloaded(func, imports),
            func.lineno,
            tuple(blocks),
            tuple(uses),
            tuple(calls),
            *sessions,
            tuple(pooled),
            tuple(guards) + self._entered(nodes, bound, local_imports),
        )

    def own(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> Own:
        """The calls, binders and yielding of `func`'s own body (`aiolint.project.nodes`)."""
        return self.index.own[id(func)]

    def _sessions(
        self,
        func: ast.FunctionDef | ast.AsyncFunctionDef,
        calls_made: list[ast.Call],
        nodes: list[ast.AST],
        bound: dict[str, list[Made | None]],
        self_name: str | None,
        local_imports: dict[str, str],
        imports: dict[str, str],
    ) -> tuple[
        tuple[str, ...],
        tuple[tuple[str, str], ...],
        tuple[tuple[tuple[object, ...], int | str, tuple[str, str]], ...],
        tuple[tuple[str, str, str], ...],
    ]:
        """`params`, `sessions`, `passes` and `stores` (see the module doc)."""
        positional = [a.arg for a in (*func.args.posonlyargs, *func.args.args)]
        # Parameters bound only as parameters: the value the caller passed.
        own = {a.arg for a in _params(func) if len(bound.get(a.arg, ())) == 1}
        own.discard(self_name or "")

        def source(node: ast.expr) -> tuple[str, str] | None:
            if isinstance(node, ast.Name) and node.id in own:
                return ("param", node.id)
            if (
                self_name is not None
                and self_name in own_self
                and isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == self_name
            ):
                return ("self", node.attr)
            return None

        own_self = {self_name} if self_name is not None and len(bound[self_name]) == 1 else set()
        sessions: list[tuple[str, str]] = []
        passes: list[tuple[tuple[object, ...], int | str, tuple[str, str]]] = []
        for node in calls_made:
            target = node.func
            if isinstance(target, ast.Attribute) and target.attr in SESSION_USES:
                used = source(target.value)
                if used is not None and used not in sessions:
                    sessions.append(used)
            arguments = [(i, a) for i, a in enumerate(node.args) if not isinstance(a, ast.Starred)]
            keywords = [(k.arg, k.value) for k in node.keywords if k.arg is not None]
            passed = [(at, s) for at, a in (*arguments, *keywords) if (s := source(a)) is not None]
            if not passed:
                continue
            call = self._call(node, bound, self_name, local_imports, imports)
            if call is not None:
                passes.extend((call, at, s) for at, s in passed)
        stores: list[tuple[str, str, str]] = []
        annotations = {
            a.arg: annotation_class(a.annotation) for a in _params(func) if a.annotation is not None
        }
        if own_self:
            for node in nodes:
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
                    for target in node.targets:
                        used = source(target)
                        if used is not None and used[0] == "self" and node.value.id in own:
                            param = node.value.id
                            stores.append((used[1], param, annotations.get(param, "")))
        return tuple(positional), tuple(sessions), tuple(passes), tuple(stores)

    def _call(
        self,
        node: ast.Call,
        bound: dict[str, list[Made | None]],
        self_name: str | None,
        local_imports: dict[str, str],
        imports: dict[str, str],
    ) -> tuple[object, ...] | None:
        """The call as `calls` records it (None: it cannot reach the project)."""
        written = dotted_name(node.func)
        head, _, rest = written.partition(".")
        if not written:
            return None
        if head in bound and head not in local_imports:
            if head == self_name and rest and "." not in rest:
                return ("self", rest, node.lineno)
            if rest and "." not in rest:
                values = tuple(dict.fromkeys(bound[head]))
                if all(v is not None and v[0] != "unknown" for v in values):
                    return ("inst", values, rest, node.lineno)
            return None
        if head in imports or head in self.defined:
            return ("name", written, node.lineno)
        return None

    def _made(
        self, written: str, bound: dict[str, list[Made | None]], local_imports: dict[str, str]
    ) -> tuple[Made, ...]:
        """The ways the value `written` (a name or attribute chain) is made:
        `bound` values for a name the function binds, a reference for a
        module-level or imported name, `()` when unknown."""
        head, _, rest = written.partition(".")
        if not head or (head in self.enclosing and head not in bound):
            return ()
        if head in bound and head not in local_imports:
            values = tuple(dict.fromkeys(bound[head]))
            if not rest and all(v is not None and v[0] != "unknown" for v in values):
                return values  # type: ignore[return-value]
            return ()
        if head in self.imports or head in local_imports or head in self.defined:
            return (("ref", written),)
        return ()

    def _entered(
        self,
        nodes: list[ast.AST],
        bound: dict[str, list[Made | None]],
        local_imports: dict[str, str],
    ) -> tuple[tuple[Made, ...], ...]:
        """How each value `async with <name or attribute>:` enters is made."""
        found: list[tuple[Made, ...]] = []
        for node in nodes:
            if isinstance(node, ast.AsyncWith):
                for item in node.items:
                    written = dotted_name(item.context_expr)
                    if written:
                        found.append(self._made(written, bound, local_imports))
        return tuple(found)

    def _offloaded(
        self, func: ast.FunctionDef | ast.AsyncFunctionDef, imports: dict[str, str]
    ) -> bool:
        for decorator in func.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            written = dotted_name(target)
            head, _, rest = written.partition(".")
            if head in imports:
                resolved = imports[head] + (f".{rest}" if rest else "")
                if resolved in known_names.OFFLOADERS:
                    return True
        return False


def _params(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.arg]:
    args = func.args
    found = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    found.extend(a for a in (args.vararg, args.kwarg) if a is not None)
    return found


def _static(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.decorator_list)


def _names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _names(elt)]
    if isinstance(target, ast.Starred):
        return _names(target.value)
    return []
