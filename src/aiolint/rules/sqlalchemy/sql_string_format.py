"""AIO304: SQL text built by string formatting that reaches a database call."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

import libcst as cst
from libcst.helpers import get_full_name_for_node

from aiolint.engine.gate import AstFacts
from aiolint.engine.model import Fix, FixAvailability
from aiolint.engine.rule import Rule
from aiolint.fixes.bind_params import Placeholders, bind_fix
from aiolint.semantic.bindings import single_binding_value
from aiolint.semantic.names import call_name
from aiolint.semantic.sql_text import SqlBuild, alternatives, build_of, variable_builds
from aiolint.semantic.visit_order import children, own_code

if TYPE_CHECKING:
    from aiolint.semantic.context import FileContext

#: `text()` constructors, by qualified name.
TEXT_CONSTRUCTORS = frozenset(
    {
        "sqlalchemy.text",
        "sqlalchemy.sql.text",
        "sqlalchemy.sql.expression.text",
        "sqlalchemy.sql._elements_constructors.text",
        "sqlmodel.text",
        "sqlmodel.sql.expression.text",
    }
)
#: pandas functions that run SQL text.
PANDAS_READERS = frozenset(
    {
        "pandas.read_sql",
        "pandas.read_sql_query",
        "pandas.io.sql.read_sql",
        "pandas.io.sql.read_sql_query",
    }
)
#: Methods that run SQL text, on any receiver (DB-API cursors and connections,
#: SQLAlchemy connections and sessions, asyncpg connections and pools, aiosqlite).
SINK_METHODS = frozenset(
    {
        "execute",
        "executemany",
        "executescript",
        "exec_driver_sql",
        "fetch",
        "fetchrow",
        "fetchval",
        # the `databases` package and project DB helpers that take SQL text
        "fetchall",
        "fetchone",
        "fetchmany",
        "fetch_all",
        "fetch_one",
        "fetch_many",
        "fetch_val",
    }
)
#: asyncpg's query methods whose arguments after the SQL are `$n` values (its
#: `.execute()` shares the name with SQLAlchemy and DB-API: no fix there).
ASYNCPG_QUERIES = frozenset({"fetch", "fetchrow", "fetchval"})
#: Keyword names under which the sinks take their SQL text.
SQL_KEYWORDS = frozenset({"sql", "statement", "query", "operation", "text"})
_MAX_SHOWN = 40


_SQL_LITERAL = re.compile(
    r"""["'](?:\s|--[^\n]*\n|/\*.*?\*/)*(?:select|insert|update|delete|with|replace|merge"""
    r"""|create|alter|drop|truncate|grant|revoke|set|copy|vacuum|analyze|explain|call|comment)\b""",
    re.IGNORECASE | re.DOTALL,
)


class SqlStringFormat(Rule):
    """SQL text built with an f-string, `%`, `.format()`, `+` or `join()` reaches the database.

    ## What it does
    Finds SQL statements whose text is built from non-constant values, with an
    f-string, `%` formatting, `.format()`, `+` concatenation or `str.join()`,
    when that text reaches a database call in the same function (or in the
    same module-level code): `sqlalchemy.text()`, `.execute()`,
    `.executemany()`, `.executescript()`, `.exec_driver_sql()`, asyncpg's
    `.fetch()`, `.fetchrow()` and `.fetchval()`, `pandas.read_sql()`, and
    the `fetchall`/`fetchone`/`fetchmany`/`fetch_all`/`fetch_one`/
    `fetch_many`/`fetch_val` methods of any receiver (the `databases`
    package, a project's own DB helpers) when given SQL text. The text may be
    passed directly, through a local variable (also one extended with
    `sql += f" AND ..."`), or as what a function of the module returns
    (`cursor.execute(build_query(name))`).

    Text built right in the call is reported where it is built. Text built
    on another line is reported at each call that runs it, where a `noqa`
    belongs, and the message names the lines that build it. A variable is
    followed only within one function: text built in an enclosing function
    and run in a nested `def` or `lambda` is not reported.

    A string counts as SQL when the text the program itself wrote (never an
    interpolated value) begins, after whitespace and SQL comments, with
    `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `WITH`, `REPLACE` or `MERGE` and
    contains `FROM`, `INTO`, `SET`, `WHERE` or `VALUES`; or begins with a
    statement that is SQL by its first words: `CREATE`/`ALTER`/`DROP` of a
    table, index, view, schema, role and the like, `TRUNCATE`, `GRANT`,
    `REVOKE`, `SET name = ...`/`SET name TO ...`, `COPY`, `VACUUM`,
    `ANALYZE`, `EXPLAIN`, `CALL`, `COMMENT ON`, or `SELECT f(...)`
    (`SELECT setval(...)`). Interpolated identifiers there (a schema, a
    table, a role) are the injection as much as values are.

    Not flagged: text that interpolates only constants: module-level
    `UPPER_CASE` names bound to literals (`TABLE = "users"`) or imported,
    `self.TABLE`, `__tablename__`, literals or names bound only to literals.
    An attribute of a settings object (`settings.DATABASE_SCHEMA`,
    `config.POSTGRES_READ_USER`, `get_settings().X`) and a module-level name
    read from the environment (`SCHEMA = os.environ["SCHEMA"]`) come from
    outside the program: they are reported, whatever their case. Also not
    flagged: placeholder lists built from
    constants (`", ".join("?" * len(ids))`, a local list only ever appended
    constant clauses like `"status = :status"`); bound parameters
    (`text("... WHERE id = :id")`, `conn.fetch("... $1", x)`,
    `cursor.execute("... %s", (x,))`); and formatted SQL that never reaches a
    database call, such as log and exception messages.

    ## Why is this bad?
    A value formatted into SQL text becomes SQL: a quote in a user name ends
    the string literal and the rest of the value runs as SQL (SQL injection).
    Even with trusted values, formatting breaks on quotes, `NULL` and dates,
    and every distinct text is a new statement the database must parse and
    plan, and SQLAlchemy must cache. Bound parameters send the values
    separately from the statement.

    ## Example
    ```python
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import AsyncSession


    async def find_user(session: AsyncSession, email: str):
        result = await session.execute(text(f"SELECT * FROM users WHERE email = '{email}'"))
        return result.first()
    ```

    ## Use instead
    ```python
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import AsyncSession


    async def find_user(session: AsyncSession, email: str):
        result = await session.execute(
            text("SELECT * FROM users WHERE email = :email"), {"email": email}
        )
        return result.first()
    ```

    With asyncpg: `await conn.fetch("SELECT * FROM users WHERE email = $1", email)`;
    with a DB-API driver: `cursor.execute("... WHERE email = %s", (email,))`
    (`?` for sqlite3). Table and column names cannot be parameters: check them
    against a fixed set and interpolate a module-level constant.

    ## Fix safety
    The fix is unsafe. It turns each interpolated value into a bound parameter:
    `text(f"... WHERE id = {user_id}")` becomes
    `text("... WHERE id = :user_id").bindparams(user_id=user_id)`, and an
    asyncpg `conn.fetch(f"... WHERE id = {x}")` (also `.fetchrow()`,
    `.fetchval()`, in a module that imports asyncpg) becomes
    `conn.fetch("... WHERE id = $1", x)`, numbered after the `$n` the query
    already has. Quotes around a value go with it (`'{name}'` -> `:name`).
    Each parameter is named after the name, the attribute's last part or the
    subscript's string key (`user.id` -> `:id`, `row["name"]` -> `:name`),
    else `p1`, `p2`; names are unique in the statement, and an expression used
    twice is bound once. Constants (`{TABLE}`) stay as they are. The same
    applies to `"..." % (a, b)` with `%s` and to `"...".format(a, b=b)` with
    plain `{}` fields.

    Only a statement whose values the database takes as parameters is fixed:
    one `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `WITH` or `MERGE`. PostgreSQL
    refuses parameters in utility statements (`SET x = $1` fails with "syntax
    error at or near $1", with asyncpg and psycopg alike), so DDL, `GRANT`,
    `COPY`, `EXPLAIN` and text holding two statements keep their finding and
    get no fix. One exception: `SET [LOCAL] name = {v}` (or `TO`), when its
    result is not used, becomes
    `text("SELECT set_config('name', :v, true)").bindparams(v=str(v))`
    (`true` for `LOCAL`, `false` otherwise), which sets the same parameter
    for the same time; `str(v)` passes the text the f-string wrote, since
    `set_config` takes text. Not for a setting that is a list of quoted names
    (`search_path`, `temp_tablespaces`): `SET search_path TO '{v}'` makes
    the value one name, `set_config` reads it as a list.

    It is unsafe because a value that was meant as SQL (a column name or an
    `ORDER BY` expression passed in) now becomes a bound string, and because
    the driver binds the value with its own type instead of its `str()` (a
    number formatted into a text comparison, asyncpg's strict types). A bare
    `SET name = {v}` folds an unquoted identifier value to lower case
    (`SET app.region = Sales` sets `sales`); `set_config` keeps the text.

    No fix is offered unless every non-constant value is a name, an attribute
    or a subscript by a literal or a name, standing in a value position: after
    a comparison operator, `LIMIT`, `OFFSET`, `LIKE` or `ILIKE`, as a bound of
    `BETWEEN`, in a `VALUES` row or an `IN (...)` list with other elements,
    bare or as a whole `'...'` literal. So nothing is fixed for a table or
    column name (after `FROM`, `JOIN`, `INTO`, `UPDATE`, `SET`, `SELECT`,
    `ORDER BY`, `GROUP BY`, in double quotes), a condition (`AND {cond}`), a
    lone `IN ({ids})` (it may be a comma-separated list), part of a literal
    (`LIKE '%{q}%'`, `interval '{n} days'`), a value followed by a `::` cast
    in `text()` (it hides the `:name`), a conversion or format spec (`{x!r}`,
    `{x:>10}`), a call, or text with backslashes or dollar quoting. Only text
    built right in the `text()` or asyncpg call is fixed: text built in a
    variable, `+` concatenation, `join()`, a conditional expression,
    `.execute()` (asyncpg's shares its name with SQLAlchemy's and DB-API's,
    whose placeholders differ), `.exec_driver_sql()` and pandas are left for
    a human.

    ## References
    - [SQLAlchemy: using textual SQL with bound parameters](https://docs.sqlalchemy.org/en/20/core/tutorial.html#using-textual-sql)
    - [asyncpg: Connection.fetch](https://magicstack.github.io/asyncpg/current/api/index.html#asyncpg.connection.Connection.fetch)
    - [OWASP: SQL injection prevention](https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html)
    - [CWE-89](https://cwe.mitre.org/data/definitions/89.html)
    """

    code = "AIO304"
    name = "sql-string-format"
    peer_codes = ("S608",)
    fix_availability = FixAvailability.SOMETIMES
    prefilter = ("execute", "exec_driver_sql", "fetch", "text", "read_sql")

    @classmethod
    def may_match(cls, text: str) -> bool:
        """A sink name and a string literal that starts (after whitespace and SQL
        comments) with a SQL verb: the rule's own SQL-like test needs both."""
        return super().may_match(text) and _SQL_LITERAL.search(text) is not None

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        """A SQL-like string literal, and a sink call with an argument that is not
        a plain literal."""
        if not facts.has_sql_literal:
            return False
        for site in facts.calls:
            call = site.node
            func = call.func
            if not (
                (isinstance(func, ast.Attribute) and func.attr in SINK_METHODS)
                or facts.resolves_to(func, TEXT_CONSTRUCTORS | PANDAS_READERS)
            ):
                continue
            values = [*call.args, *(keyword.value for keyword in call.keywords)]
            if any(not isinstance(value, ast.Constant) for value in values):
                return True
        return False

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._reported: set[cst.CSTNode] = set()
        self._asyncpg: bool | None = None

    def visit_Call(self, node: cst.Call) -> None:
        found = self._sink(node)
        if found is None:
            return
        sink, sql = found
        elsewhere: list[SqlBuild] = []
        for value in alternatives(sql):
            for build in self._builds(value):
                if self._inside(build.node, node):
                    fix = self._fix(node, sink, build) if build.node is sql else None
                    self._report_build(build, sink, fix)
                else:
                    elsewhere.append(build)
        if elsewhere:
            self._report_at_sink(node, sink, elsewhere)

    def _fix(self, call: cst.Call, sink: str, build: SqlBuild) -> Fix | None:
        """Bound parameters, when the text is built right in the sink's call."""
        func = call.func
        if sink == "text()":
            style = Placeholders.NAMED
        elif (
            isinstance(func, cst.Attribute)
            and func.attr.value in ASYNCPG_QUERIES
            and self._imports_asyncpg()
        ):
            style = Placeholders.DOLLAR
        else:
            return None
        return bind_fix(self.ctx, call, build.node, style)

    def _imports_asyncpg(self) -> bool:
        if self._asyncpg is None:
            self._asyncpg = any(
                name.split(".")[0] == "asyncpg" for name in imported_modules(self.ctx.module)
            )
        return self._asyncpg

    def _sink(self, call: cst.Call) -> tuple[str, cst.BaseExpression] | None:
        """(how the sink is shown, its SQL argument) when `call` runs SQL text."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in SINK_METHODS:
            shown = f".{func.attr.value}()"
        else:
            name = call_name(self.ctx, call)
            if name in TEXT_CONSTRUCTORS:
                shown = "text()"
            elif name in PANDAS_READERS:
                shown = f"{name.rsplit('.', 1)[-1]}()"
            else:
                return None
        sql = _sql_argument(call)
        return (shown, sql) if sql is not None else None

    def _builds(self, value: cst.BaseExpression, depth: int = 0) -> list[SqlBuild]:
        if isinstance(value, cst.Name):
            return variable_builds(self.ctx, value)
        if isinstance(value, cst.Call) and depth < 2:
            helper = self._helper(value)
            if helper is not None:  # SQL text a function of this module returns
                return [b for v in helper for b in self._builds(v, depth + 1)]
        build = build_of(self.ctx, value)
        return [build] if build is not None else []

    def _helper(self, call: cst.Call) -> list[cst.BaseExpression] | None:
        """What a call of a plain function of this module returns (None: not one)."""
        func = call.func
        if not isinstance(func, cst.Name) or call_name(self.ctx, call) is not None:
            return None
        helper = single_binding_value(self.ctx, func)
        if not isinstance(helper, cst.FunctionDef):
            return None
        returned = [
            node.value
            for node in own_code(helper.body)
            if isinstance(node, cst.Return) and node.value is not None
        ]
        return [v for r in returned for v in alternatives(r)]

    def _inside(self, node: cst.CSTNode, call: cst.Call) -> bool:
        """Whether `node` is part of `call` (the text is built in the sink's call)."""
        current: cst.CSTNode | None = node
        while current is not None:
            if current is call:
                return True
            current = self.ctx.parent(current)
        return False

    def _report_at_sink(self, call: cst.Call, sink: str, builds: list[SqlBuild]) -> None:
        """Text built elsewhere: reported where it runs, naming where it is built."""
        if call in self._reported:
            return
        self._reported.add(call)
        build = builds[0]
        lines = sorted({self.ctx.positions[b.node].start.line for b in builds})
        where = f"line {lines[0]}" if len(lines) == 1 else f"lines {_listed(lines)}"
        self.report(
            call,
            f"SQL text built with {build.kind.value} from `{_shown(self.ctx, build)}`"
            f"{_more(build)} on {where} reaches `{sink}`; pass the values as bound "
            "parameters (`:name`, `$1`, `%s`) instead",
        )

    def _report_build(self, build: SqlBuild, sink: str, fix: Fix | None) -> None:
        if build.node in self._reported:
            return
        self._reported.add(build.node)
        self.report(
            build.node,
            f"SQL text built with {build.kind.value} from `{_shown(self.ctx, build)}`"
            f"{_more(build)} reaches `{sink}`; "
            "pass the values as bound parameters (`:name`, `$1`, `%s`) instead",
            fix=fix,
        )


def _shown(ctx: FileContext, build: SqlBuild) -> str:
    first = ctx.module.code_for_node(build.holes[0]).strip()
    if len(first) > _MAX_SHOWN or "\n" in first:
        first = first.splitlines()[0][: _MAX_SHOWN - 3] + "..."
    return first


def _more(build: SqlBuild) -> str:
    return f" and {len(build.holes) - 1} more" if len(build.holes) > 1 else ""


def _listed(lines: list[int]) -> str:
    return ", ".join(map(str, lines[:-1])) + f" and {lines[-1]}"


def imported_modules(module: cst.Module) -> list[str]:
    """The modules a file imports from, anywhere in it (`import a.b`, `from a import b`)."""
    found: list[str] = []
    stack: list[cst.CSTNode] = [module]
    while stack:  # pre-order, as LibCST's matchers.findall
        node = stack.pop()
        stack.extend(reversed(children(node)))
        if isinstance(node, cst.Import):
            found += [get_full_name_for_node(alias.name) or "" for alias in node.names]
        elif isinstance(node, cst.ImportFrom) and node.module is not None and not node.relative:
            found.append(get_full_name_for_node(node.module) or "")
    return found


def _sql_argument(call: cst.Call) -> cst.BaseExpression | None:
    """The SQL text argument: the first positional one, else a SQL keyword."""
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            return arg.value
        if arg.keyword.value in SQL_KEYWORDS:
            return arg.value
    return None
