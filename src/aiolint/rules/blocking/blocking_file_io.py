"""AIO204: `open()`, `io.open`, `pathlib.Path` reads and writes, and file-system
calls (`os.path.exists`, `os.listdir`, `shutil.rmtree`, `Path.mkdir`...) inside async code."""

import libcst as cst
from libcst.metadata import BaseAssignment

from aiolint.engine import known_names
from aiolint.engine.gate import AstFacts
from aiolint.engine.model import FixAvailability
from aiolint.engine.rule import Rule
from aiolint.semantic.async_library import async_library, thread_call
from aiolint.semantic.bindings import (
    annotation_origin,
    assignments_of,
    binding_value,
    param_origin,
)
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import in_async_code
from aiolint.semantic.names import call_name, dotted

OPEN_FUNCTIONS = known_names.OPEN_FUNCTIONS
FILE_SYSTEM_FUNCTIONS = known_names.FILE_SYSTEM_FUNCTIONS
PATH_FILE_SYSTEM_METHODS = known_names.PATH_FILE_SYSTEM_METHODS
#: Concrete `pathlib` classes (`PurePath` has no I/O methods).
PATH_CLASSES = ("pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath")
#: `Path` methods that open, read or write the file.
PATH_IO_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes", "open"})
#: Calls that make a concrete path: the class itself and its alternate constructors.
PATH_FACTORIES = frozenset(
    {f"{cls}{suffix}" for cls in PATH_CLASSES for suffix in ("", ".home", ".cwd")}
)
#: Origins (see `semantic.bindings`) of a parameter or annotated name holding a path.
PATH_INSTANCES = frozenset(f"{cls}()" for cls in PATH_CLASSES)
#: Methods of a path that return another path of the same class.
PATH_DERIVING_METHODS = frozenset(
    {
        "absolute",
        "expanduser",
        "joinpath",
        "relative_to",
        "resolve",
        "with_name",
        "with_segments",
        "with_stem",
        "with_suffix",
    }
)
#: Every `Path` method reported: file I/O and file-system calls.
PATH_METHODS = PATH_IO_METHODS | PATH_FILE_SYSTEM_METHODS
UNBOUND_IO_METHODS = frozenset(f"{cls}.{m}" for cls in PATH_CLASSES for m in PATH_METHODS)
#: Last segment of every callee reported (a cheap syntactic test before resolving).
_ATTRIBUTES = PATH_METHODS | {name.rsplit(".", 1)[1] for name in FILE_SYSTEM_FUNCTIONS}
_FUNCTIONS = OPEN_FUNCTIONS | FILE_SYSTEM_FUNCTIONS | UNBOUND_IO_METHODS
_STRINGS = (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)
_MAX_DEPTH = 12


def is_path(
    ctx: FileContext,
    expr: cst.BaseExpression,
    active: frozenset[BaseAssignment] = frozenset(),
) -> bool:
    """Whether `expr` is known to be a concrete `pathlib` path.

    Known: `Path(...)`, `Path.home()`, `Path.cwd()`, `path / "x"`, `"x" / path`,
    `path.parent`, `path.joinpath(...)` and the other deriving methods, and a
    name whose every binding is one of these or a parameter annotated `Path`.
    """
    if len(active) > _MAX_DEPTH:
        return False
    if isinstance(expr, cst.Call):
        func = expr.func
        if dotted(func) and call_name(ctx, expr) in PATH_FACTORIES:
            return True
        if isinstance(func, cst.Attribute) and func.attr.value in PATH_DERIVING_METHODS:
            return is_path(ctx, func.value, active)
        return False
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
        if is_path(ctx, expr.left, active):
            return True
        return isinstance(expr.left, _STRINGS) and is_path(ctx, expr.right, active)
    if isinstance(expr, cst.Attribute) and expr.attr.value == "parent":
        return is_path(ctx, expr.value, active)
    if isinstance(expr, cst.Name):
        return _name_is_path(ctx, expr, active)
    return False


def _name_is_path(ctx: FileContext, name: cst.Name, active: frozenset[BaseAssignment]) -> bool:
    assignments = assignments_of(ctx, name)
    if not assignments:
        return False
    for assignment in assignments:
        if assignment in active:
            continue  # `p = p / "x"`: decided by the name's other bindings
        value = binding_value(ctx, assignment)
        if isinstance(value, cst.Param):
            found = param_origin(ctx, value) in PATH_INSTANCES
        elif isinstance(value, cst.AnnAssign):
            found = annotation_origin(ctx, value.annotation.annotation) in PATH_INSTANCES
        elif isinstance(value, cst.BaseExpression):
            found = is_path(ctx, value, active | {assignment})
        else:
            found = False
        if not found:
            return False
    return True


def blocking_file_call(ctx: FileContext, node: cst.Call) -> str | None:
    """The name to show if `node` opens, reads or writes a file or waits for
    the file system (`os.path.exists`, `Path.mkdir`), else None."""
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value not in _ATTRIBUTES:
        return None  # `open` is among them (`io.open`, `Path.open`)
    if dotted(func):
        name = call_name(ctx, node)
        if name in OPEN_FUNCTIONS:
            return "open" if name == "builtins.open" else name
        if name in FILE_SYSTEM_FUNCTIONS:
            return name
        if name in UNBOUND_IO_METHODS:
            return f"Path.{name.rsplit('.', 1)[1]}"
    if (
        isinstance(func, cst.Attribute)
        and func.attr.value in PATH_METHODS
        and is_path(ctx, func.value)
    ):
        return f"Path.{func.attr.value}"
    return None


def reads_or_writes(shown: str) -> bool:
    """Whether the call `blocking_file_call` showed opens, reads or writes a
    file (else it is a file-system call: metadata, listing, moving...)."""
    return shown in ("open", *OPEN_FUNCTIONS) or shown.rsplit(".", 1)[-1] in PATH_IO_METHODS


class BlockingFileIo(Rule):
    """Blocking file I/O and file-system calls (`open()`, `os.path.exists`...) in an `async def`.

    ## What it does
    Finds, in the body of an `async def` (outside nested `def`, `lambda` and
    class bodies):
    - calls of the builtin `open()`, `io.open` and `io.open_code`;
    - file-system calls that wait for the disk: `os.path.exists`, `lexists`,
      `isfile`, `isdir`, `islink`, `ismount`, `isjunction`, `getsize`,
      `getmtime`, `getatime`, `getctime`, `samefile`, `realpath`;
      `os.listdir`, `scandir`, `walk`, `fwalk`, `remove`, `unlink`, `rename`,
      `renames`, `replace`, `makedirs`, `mkdir`, `rmdir`, `removedirs`,
      `stat`, `lstat`; `shutil.copy`, `copy2`, `copyfile`, `copyfileobj`,
      `copymode`, `copystat`, `copytree`, `move`, `rmtree`, `make_archive`,
      `unpack_archive`. Path arithmetic touches no disk and is not reported
      (`os.path.join`, `basename`, `dirname`, `splitext`, `normpath`,
      `abspath`, `Path.name`, `Path.joinpath`, `Path.with_suffix`);
    - `.read_text()`, `.read_bytes()`, `.write_text()`, `.write_bytes()` and
      `.open()` on a `pathlib.Path`, and its file-system methods `exists`,
      `is_file`, `is_dir`, `is_symlink`, `is_mount` (and the other `is_*`
      device tests), `stat`, `lstat`, `owner`, `group`, `samefile`,
      `readlink`, `chmod`, `mkdir`, `touch`, `unlink`, `rmdir`, `rename`,
      `replace`, `symlink_to`, `hardlink_to`, `iterdir`, `glob`, `rglob`,
      `resolve`; the path is a `Path(...)`, `Path.home()` or
      `Path.cwd()` call, a path built from one with `/`, `.parent`,
      `.joinpath()`, `.with_suffix()`, `.resolve()` and similar, a name bound
      only to such values (also at module level, like
      `TEMPLATES = Path(__file__).parent / "templates"`), or a parameter
      annotated `Path`.

    `open` is resolved: a local or imported `open` (`from aiofiles import open`)
    is not the builtin. `aiofiles.open`, `anyio.open_file`, `anyio.Path`,
    `trio.Path` and FastAPI's `Path(...)` parameter marker are never reported;
    nor is a receiver that cannot be shown to be a `pathlib` path (an
    unannotated parameter, `self.root`, a loop variable). `PurePath` has no
    I/O methods. Passing a function without calling it
    (`await asyncio.to_thread(path.read_text)`) is fine.

    ## Why is this bad?
    Opening, reading and writing files, and asking the file system whether a
    path exists, what is in a folder or to remove a tree, are blocking system
    calls. On a local SSD they are usually quick, but a large export, a
    `shutil.rmtree` of a big folder, a network file system or a busy disk
    holds the thread that runs the event loop, and with it every other task
    and request.

    ## Example
    ```python
    from fastapi import FastAPI, UploadFile

    app = FastAPI()


    @app.post("/reports/upload")
    async def upload_report(file: UploadFile) -> dict:
        content = await file.read()
        with open(f"/srv/reports/{file.filename}", "wb") as out:
            out.write(content)
        return {"size": len(content)}
    ```

    ## Use instead
    ```python
    import aiofiles
    from fastapi import FastAPI, UploadFile

    app = FastAPI()


    @app.post("/reports/upload")
    async def upload_report(file: UploadFile) -> dict:
        content = await file.read()
        async with aiofiles.open(f"/srv/reports/{file.filename}", "wb") as out:
            await out.write(content)
        return {"size": len(content)}
    ```

    ## Fix safety
    No fix: use `aiofiles.open`, `anyio.open_file`, `anyio.Path` or
    `aiofiles.os`, or move the file work into a function run with
    `await asyncio.to_thread(...)`. ruff's `ASYNC230` (`open`) and `ASYNC240`
    (`os.path` and `Path` methods) report part of this; a `# noqa` for either
    suppresses this rule on the line too.

    ## References
    - [asyncio.to_thread](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    - [aiofiles](https://github.com/Tinche/aiofiles)
    - [AnyIO: asynchronous file I/O](https://anyio.readthedocs.io/en/stable/fileio.html)
    """

    code = "AIO204"
    name = "blocking-file-io"
    peer_codes = ("ASYNC230", "ASYNC240")
    fix_availability = FixAvailability.NONE
    prefilter = ("open", "_text", "_bytes", "os", "shutil", "Path")
    async_only = True

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        if facts.calls_to(_FUNCTIONS, in_async=True):
            return True
        return facts.method_calls(PATH_METHODS, in_async=True, receiver_types=PATH_CLASSES) and (
            facts.calls_to(PATH_FACTORIES) or facts.annotated(PATH_CLASSES)
        )

    def visit_Call(self, node: cst.Call) -> None:
        # The async test first: it needs only parent links, while resolving the
        # callee computes scopes for the whole file (most calls are in sync code).
        if not in_async_code(self.ctx, node):
            return
        shown = blocking_file_call(self.ctx, node)
        if shown is None:
            return
        thread = thread_call(async_library(self.ctx))
        if reads_or_writes(shown):
            message = (
                f"Blocking file I/O `{shown}()` in async code stalls the event loop; "
                f"use `aiofiles`, `anyio.open_file` / `anyio.Path`, or `{thread}`"
            )
        else:
            message = (
                f"Blocking file-system call `{shown}()` in async code stalls the event loop "
                f"(for as long as the disk takes); use `{thread}`, `anyio.Path` or `aiofiles.os`"
            )
        self.report(node, message)
