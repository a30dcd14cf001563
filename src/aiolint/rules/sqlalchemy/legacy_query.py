"""AIO301: the legacy `Session.query()` / Flask-SQLAlchemy `Model.query` API."""

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.model import FixAvailability
from aiolint.engine.rule import Rule
from aiolint.rules.sqlalchemy.legacy_query_fix import build_fix
from aiolint.semantic.bindings import assignments_of, binding_value, imports_only, origin
from aiolint.semantic.context import LintOptions
from aiolint.semantic.names import module_imports, qualified_name
from aiolint.semantic.sqlalchemy import (
    SQLA_ROOTS,
    imports_sqlalchemy,
    is_flask_model_class,
    session_kind,
)

#: Receivers taken for a session, in a SQLAlchemy module, when called with a model.
SESSION_NAMES = frozenset({"session", "db", "db_session", "sess"})
#: Lowercase names that hold a model class (`def get(db, model_cls, pk)`).
MODEL_NAMES = frozenset({"model", "model_cls", "model_class", "cls", "klass", "entity"})
MODEL_SUFFIXES = ("_cls", "_class", "_model", "_entity")
#: Query methods that show `X.query` is Flask-SQLAlchemy's `Model.query`.
QUERY_METHODS = frozenset(
    {
        "all",
        "count",
        "delete",
        "distinct",
        "filter",
        "filter_by",
        "first",
        "first_or_404",
        "get",
        "get_or_404",
        "group_by",
        "join",
        "limit",
        "offset",
        "one",
        "one_or_404",
        "one_or_none",
        "options",
        "order_by",
        "outerjoin",
        "paginate",
        "update",
        "with_entities",
    }
)
_STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


class LegacyQuery(Rule):
    """Legacy `session.query(...)` or Flask-SQLAlchemy `Model.query` API.

    ## What it does
    Finds `.query(...)` called on a SQLAlchemy session, and Flask-SQLAlchemy's
    `Model.query`. The receiver must be known to be a session: annotated
    `Session`/`AsyncSession`/`scoped_session`, made by `Session(...)`, a
    `sessionmaker`/`async_sessionmaker`/`scoped_session`, injected by
    `Depends(<function yielding one>)`, Flask-SQLAlchemy's `db.session`, each
    also when it comes from another module of the project (`from app.db
    import SessionLocal, get_db`); or, in a module that imports sqlalchemy,
    sqlmodel or flask_sqlalchemy, or of a project that uses them, a receiver
    named `session`, `db`, `db_session` or `sess` (also as `self.session`,
    `db.session`) called with a model-like first argument (a capitalized name
    such as `User`, a name such as `model`, `model_cls`, `cls`, `user_model`,
    an attribute such as `models.User` or `User.id`, `type(obj)`,
    `User.id.label("id")`, or a SQLAlchemy expression such as
    `func.count(...)`), unless that receiver is known to be something else.
    `X.query` counts as Flask-SQLAlchemy's when `X` is a class of the module
    deriving from `db.Model` (or `cls` in its methods), or, in a module that
    imports flask or flask_sqlalchemy, a capitalized name followed by a Query
    method (`User.query.filter_by(...)`). A string first argument
    (`df.query("a > 1")`, `db.query("SELECT ...")`) is never flagged.

    The rule follows the SQLAlchemy version the project declares (README:
    "The target Python and library versions"): below 1.4 it is silent (`Query`
    is the only API there); below 1.4.24, which added `Session.scalars()`, the
    fix writes `session.execute(select(E)...).scalars()` instead.

    ## Why is this bad?
    `Query` is SQLAlchemy's legacy API: SQLAlchemy 2.0 keeps it only for
    compatibility, and the 2.0 style (`select()` executed by the session)
    is the one that works the same for `Session` and `AsyncSession`.
    `AsyncSession` has no `.query()` at all: in async code that call fails
    at runtime with `AttributeError`.

    ## Example
    ```python
    from sqlalchemy.orm import Session

    from app.models import User


    def active_users(session: Session) -> list[User]:
        return session.query(User).filter(User.active).all()
    ```

    ## Use instead
    ```python
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.models import User


    def active_users(session: Session) -> list[User]:
        return session.scalars(select(User).where(User.active)).all()
    ```

    ## Fix safety
    The fix is unsafe. It rewrites a whole chain `session.query(E...)` + any of
    `filter` (becomes `where`), `filter_by`, `where`, `join`, `outerjoin`,
    `order_by`, `group_by`, `limit`, `offset`, `options`, `distinct`, ending in:
    `.all()` / `.one()` / `.one_or_none()` ->
    `session.scalars(select(E)...).unique().all()` for one entity,
    `session.execute(select(E1, E2)...).unique().all()` for several (rows, as
    `Query` returned), without `.unique()` for columns only; `.first()` adds
    `.limit(1)` as `Query.first()` did; `.scalar()` ->
    `session.scalars(...).unique().one_or_none()` (the first column, an error
    on several rows); `.get(pk)` -> `session.get(E, pk)`; `.count()` ->
    `session.scalar(select(func.count()).select_from(E)...)`; `.delete()` /
    `.update({...})` -> `session.execute(delete(E).where(...))` /
    `update(E).where(...).values({...})` (`.rowcount` appended when the count
    is used, `synchronize_session=` passed as an execution option). On an
    `AsyncSession`, inside `async def`, the call is awaited:
    `(await session.scalars(...)).unique().all()`, `await session.get(E, pk)`.
    `select`, `func`, `delete`, `update` reuse the file's sqlalchemy imports
    (`sa.select`, `from sqlalchemy import select as sa_select`; SQLModel's
    `select` too) or are imported.

    `.unique()` keeps what `Query` returned: `Query` de-duplicated the rows of
    every query that selects an entity (one object per primary key, whatever
    repeats it: a `join`, a criterion such as `User.id == Address.user_id`,
    an eager load; a row `(User, email)` once), and a collection loaded
    `lazy="joined"` makes `select()`'s `.all()` / `.one()` raise
    `InvalidRequestError` until `.unique()` is called. Rows of columns only
    were never de-duplicated and get no `.unique()`.

    What stays different: a row mixing an entity with a column of a
    non-hashable type (JSON, ARRAY) makes `.unique()` raise, where `Query`
    compared such values by identity; autoflush and eager-loading details of
    `Query`; `.all()` is typed `Sequence`, not `list`; `Query.count()` counted
    a subquery of the whole statement (so no fix with `distinct`, `group_by`,
    `limit`, `offset`, `order_by` or `options`); the `synchronize_session`
    default of `Query.delete()`/`update()` was `'evaluate'` before SQLAlchemy
    2.0 and is `'auto'` for `session.execute(delete(...))`. A receiver taken
    for a session only by its name makes a guessed fix. No fix for other
    shapes (a query stored in a variable or iterated, `paginate`,
    `with_entities`, `get` after criteria, an argument that is neither a
    class-like name nor a column, `distinct` with `order_by`, `.scalar()` of
    several entities or of an entity with columns (`Query` de-duplicated whole
    rows, `scalars()` the first column), an `AsyncSession` outside `async def`
    or in a generator expression, an `await` already on the chain, a name such
    as `select` taken by a local), nor for Flask-SQLAlchemy's `Model.query`.

    ## References
    - [SQLAlchemy 2.0 migration: ORM querying](https://docs.sqlalchemy.org/en/20/changelog/migration_20.html#migration-20-query-usage)
    - [Flask-SQLAlchemy: legacy query interface](https://flask-sqlalchemy.readthedocs.io/en/stable/legacy-query/)
    """

    code = "AIO301"
    name = "legacy-query"
    fix_availability = FixAvailability.SOMETIMES
    prefilter = ("query",)

    @classmethod
    def applies_to(cls, options: LintOptions) -> bool:
        # below 1.4 the Query API is SQLAlchemy's only one, not a legacy
        return not options.library_below("sqlalchemy", "1.4")

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return "query" in facts.attributes and (
            facts.imports_any((*SQLA_ROOTS, "flask")) or facts.project_sqlalchemy
        )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "query":
            return
        if node.args and self._is_string(node.args[0].value):
            return
        kind = session_kind(self.ctx, func.value)
        if kind is None and not self._named_like_session(func.value, node):
            return
        is_async = kind is not None and kind.is_async
        fix = build_fix(self.ctx, node, is_async=is_async, guessed=kind is None)
        if is_async:
            self.report(
                node,
                "`AsyncSession` has no `.query()`, this fails at runtime with "
                "`AttributeError`; use `await session.scalars(select(...))`",
                fix=fix,
            )
            return
        self.report(
            node,
            "Legacy `Session.query()` API (deprecated in SQLAlchemy 2.0); use "
            "`session.scalars(select(...))` or `session.execute(select(...))`",
            fix=fix,
        )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value != "query":
            return
        parent = self.ctx.parent(node)
        if isinstance(parent, cst.Call) and parent.func is node:
            return  # `x.query(...)`: visit_Call
        if is_flask_model_class(self.ctx, node.value) or (
            self._capitalized_model(node.value) and self._query_method_follows(node)
        ):
            self.report(
                node,
                "Legacy Flask-SQLAlchemy `Model.query` API; use "
                "`db.session.scalars(select(Model)...)` or `db.session.get(Model, id)`",
            )

    # --- session.query(...) by name --------------------------------------------

    def _named_like_session(self, receiver: cst.BaseExpression, call: cst.Call) -> bool:
        """`session.query(User)` in a SQLAlchemy module, `session` not known to be
        something else."""
        if isinstance(receiver, cst.Name):
            named = receiver.value
        elif isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
            named = receiver.attr.value
        else:
            return False
        if named not in SESSION_NAMES or not self._sqlalchemy_in_reach():
            return False
        if not call.args or call.args[0].star or not self._model_like(call.args[0].value):
            return False
        return not self._known_other(receiver)

    def _sqlalchemy_in_reach(self) -> bool:
        """The module imports SQLAlchemy, or its project uses it."""
        project = self.ctx.project
        return imports_sqlalchemy(self.ctx) or (project is not None and project.uses_sqlalchemy)

    def _known_other(self, receiver: cst.BaseExpression) -> bool:
        """The receiver is an instance of a known non-session class: annotated
        with one, or bound to `SomeClass(...)` (`session = requests.Session()`)."""
        made = origin(self.ctx, receiver)
        if made is None or made.startswith("<depends>."):
            return False
        if not made.endswith("()"):
            return False
        last = made[:-2].rsplit(".", 1)[-1]
        return last[:1].isupper()

    def _model_like(self, arg: cst.BaseExpression) -> bool:
        """A model class or column: `User`, `models.User`, `model_cls`, `type(obj)`,
        `Model.id.label("id")`, `get_class_by_tablename(name)`, `func.count(...)`."""
        if isinstance(arg, cst.Name):
            named = (
                _capitalized(arg.value)
                or arg.value in MODEL_NAMES
                or arg.value.endswith(MODEL_SUFFIXES)
            )
            return named and not self._is_string(arg)
        if isinstance(arg, cst.Attribute):
            return True
        if isinstance(arg, cst.Call):
            name = qualified_name(self.ctx, arg.func)
            if name is not None and (name.split(".")[0] in SQLA_ROOTS or name == "builtins.type"):
                return True
            func = arg.func
            if isinstance(func, cst.Attribute):  # `Model.id.label("id")`, `Model.name.desc()`
                return isinstance(func.value, cst.Attribute) and self._model_like(func.value)
            if isinstance(func, cst.Name):  # `get_class_by_tablename(...)`, `get_model(...)`
                return any(word in func.value.lower() for word in ("class", "model", "mapper"))
        return False

    def _is_string(self, arg: cst.BaseExpression) -> bool:
        """A string literal, or a name bound only to string literals (`SQL = "..."`)."""
        if isinstance(arg, _STRINGS):
            return True
        if not isinstance(arg, cst.Name) or imports_only(self.ctx, arg):
            return False
        assignments = assignments_of(self.ctx, arg)
        if not assignments:
            return False
        values = [binding_value(self.ctx, a) for a in assignments]
        return all(isinstance(v, _STRINGS) for v in values)

    # --- Model.query ------------------------------------------------------------

    def _capitalized_model(self, receiver: cst.BaseExpression) -> bool:
        """A capitalized class-like name (`User`, `models.User`) in a Flask module."""
        if not module_imports(self.ctx, "flask", "flask_sqlalchemy"):
            return False
        if isinstance(receiver, cst.Attribute):
            return _capitalized(receiver.attr.value)
        if not isinstance(receiver, cst.Name) or not _capitalized(receiver.value):
            return False
        if qualified_name(self.ctx, receiver) is not None:
            return True  # imported: `from app.models import User`
        assignments = assignments_of(self.ctx, receiver)
        return bool(assignments) and all(
            isinstance(binding_value(self.ctx, a), cst.ClassDef) for a in assignments
        )

    def _query_method_follows(self, node: cst.Attribute) -> bool:
        """`X.query.<query method>(...)`."""
        method = self.ctx.parent(node)
        if not isinstance(method, cst.Attribute) or method.value is not node:
            return False
        call = self.ctx.parent(method)
        return (
            method.attr.value in QUERY_METHODS
            and isinstance(call, cst.Call)
            and call.func is method
        )


def _capitalized(name: str) -> bool:
    """`User`, `OrderLine`; not `user`, nor constants such as `SQL` or `Q`."""
    return name[:1].isupper() and not name.isupper()
