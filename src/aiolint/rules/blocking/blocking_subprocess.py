"""AIO203: `subprocess`, `os.system`, `os.spawn*` and `os.wait*` inside async code."""

import libcst as cst

from aiolint.engine import known_names
from aiolint.engine.gate import AstFacts
from aiolint.engine.model import Fix, FixAvailability
from aiolint.engine.rule import Rule
from aiolint.fixes.to_thread import to_thread_fix
from aiolint.semantic.async_library import async_library, subprocess_advice, thread_call
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import in_async_code
from aiolint.semantic.names import call_name, dotted, may_call, qualified_name

#: Calls that start a process (and, for most, wait for it).
BLOCKING_FUNCTIONS = known_names.SUBPROCESS_FUNCTIONS
#: `os.wait*` calls that take an `options` argument -> its position; with
#: `os.WNOHANG` they return at once instead of waiting.
WAIT_OPTIONS: dict[str, int] = {"os.waitpid": 1, "os.wait3": 0, "os.wait4": 1, "os.waitid": 2}
_CANDIDATES = BLOCKING_FUNCTIONS | WAIT_OPTIONS.keys()
#: Last segment of every callee this rule reports (a cheap syntactic gate; a bare
#: name is always resolved, since `from os import system as sh` renames it).
_ATTRIBUTES = frozenset(name.rsplit(".", 1)[1] for name in (*BLOCKING_FUNCTIONS, *WAIT_OPTIONS))


def blocking_subprocess_call(ctx: FileContext, node: cst.Call) -> str | None:
    """The resolved name if `node` is a blocking subprocess call, else None."""
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value not in _ATTRIBUTES:
        return None
    if not dotted(func) or not may_call(ctx, node, _CANDIDATES):
        return None
    name = call_name(ctx, node)
    if name in BLOCKING_FUNCTIONS:
        return name
    if name in WAIT_OPTIONS and not _polls(ctx, node, WAIT_OPTIONS[name]):
        return name
    return None


def _polls(ctx: FileContext, node: cst.Call, position: int) -> bool:
    """Whether the `options` argument of an `os.wait*` call includes `os.WNOHANG`."""
    positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
    if len(positional) <= position:
        return False
    pending: list[cst.BaseExpression] = [positional[position].value]
    while pending:
        expr = pending.pop()
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            pending.extend((expr.left, expr.right))
        elif dotted(expr) and qualified_name(ctx, expr) == "os.WNOHANG":
            return True
    return False


#: Calls that start a child and return at once; the wait comes later, elsewhere.
NON_WAITING = known_names.NON_WAITING


def waits_for_child(ctx: FileContext, node: cst.Call, name: str) -> bool:
    """Whether the call `name` does its blocking work before it returns (so that
    running it in a thread takes all of it off the event loop): not `Popen`,
    `os.popen`, `os.posix_spawn*`, nor an `os.spawn*` whose mode is not `os.P_WAIT`."""
    if name in NON_WAITING:
        return False
    if name.removeprefix("os.") in known_names.SPAWN:
        positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
        mode = positional[0].value if positional else None
        return mode is not None and dotted(mode) and qualified_name(ctx, mode) == "os.P_WAIT"
    return True


class BlockingSubprocess(Rule):
    """Blocking subprocess call (`subprocess.run`, `os.system`, `os.wait*`) in an `async def`.

    ## What it does
    Finds, in the body of an `async def` (outside nested `def`, `lambda` and
    class bodies), calls that start a child process or wait for one on the
    calling thread:
    - `subprocess.run/call/check_call/check_output/Popen/getoutput/getstatusoutput`;
    - `os.system`, `os.popen`, every `os.spawn*` function (`spawnl`, `spawnle`,
      `spawnlp`, `spawnlpe`, `spawnv`, `spawnve`, `spawnvp`, `spawnvpe`) and
      `os.posix_spawn` / `os.posix_spawnp`;
    - `os.wait`, `os.waitpid`, `os.wait3`, `os.wait4`, `os.waitid`, except
      when their options include `os.WNOHANG` (a poll that returns at once).

    `subprocess.Popen`, `os.posix_spawn*` and `os.spawn*(os.P_NOWAIT, ...)`
    do not wait for the child, but they fork and exec on the event loop's
    thread and hand back a process that can only be waited for by blocking;
    like flake8-async (ASYNC220), they are reported. Passing a function
    without calling it (`await asyncio.to_thread(subprocess.run, cmd)`) is
    fine, and so are `asyncio.create_subprocess_exec` and
    `asyncio.create_subprocess_shell`.

    ## Why is this bad?
    These calls block the thread that runs the event loop until the child
    process exits: a deploy script, a `git` call or a PDF renderer that takes
    seconds freezes every other task for those seconds. `asyncio`'s own
    subprocess API waits for the child without blocking the loop.

    ## Example
    ```python
    import subprocess

    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/deployments/{service}")
    async def deploy(service: str) -> dict:
        result = subprocess.run(["./deploy.sh", service], capture_output=True, text=True)
        return {"ok": result.returncode == 0, "log": result.stdout}
    ```

    ## Use instead
    ```python
    import asyncio

    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/deployments/{service}")
    async def deploy(service: str) -> dict:
        proc = await asyncio.create_subprocess_exec(
            "./deploy.sh", service, stdout=asyncio.subprocess.PIPE
        )
        stdout, _ = await proc.communicate()
        return {"ok": proc.returncode == 0, "log": stdout.decode()}
    ```

    ## Fix safety
    The fix wraps the call as `await asyncio.to_thread(subprocess.run, cmd,
    check=True)`, keeping the callee as written (`run_process` under `from
    subprocess import run as run_process`) and reusing the file's `asyncio`
    import or adding `import asyncio`. In anyio code (the file
    imports anyio) it is `await anyio.to_thread.run_sync(func, *args)`, in trio
    code (trio, and not asyncio) `await trio.to_thread.run_sync(func, *args)`;
    those pass no keyword arguments on, so a call with keywords gets no fix
    there, and neither does a file importing both trio and asyncio. It is
    unsafe because the process is then
    started and waited for on a worker thread:
    - cancelling the task (a timeout, a client disconnect) does not stop the
      thread or kill the child: it runs to the end and its result is dropped;
      only the call's own `timeout=` kills it;
    - the thread gets a copy of the task's context (`contextvars` it sets are
      not seen by the caller), and a `preexec_fn`, which Python documents as
      not safe in the presence of threads, is now called from a worker thread;
    - each waiting call holds one of the default executor's few threads.

    No fix is offered for calls that return before the child exits:
    `subprocess.Popen`, `os.popen`, `os.posix_spawn*` and `os.spawn*` with a
    mode other than `os.P_WAIT`. Moving their fork to a thread would silence
    this rule while the wait (`proc.wait()`, `communicate()`, reading the pipe)
    stays on the event loop; `asyncio.create_subprocess_exec` is the real fix,
    and it changes the API. Nor is a fix offered for a call that is the context
    manager of a `with`, inside a generator expression (an `await` there makes
    it an async generator) or in an annotation. An `await` in a comprehension
    nested in another one needs Python 3.11:
    below `target-version = py311` no fix is offered there.

    ## References
    - [asyncio subprocesses](https://docs.python.org/3/library/asyncio-subprocess.html)
    - [asyncio.to_thread](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    """

    code = "AIO203"
    name = "blocking-subprocess"
    peer_codes = ("ASYNC220", "ASYNC221", "ASYNC222")
    fix_availability = FixAvailability.SOMETIMES
    prefilter = ("subprocess", "os")
    async_only = True

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return facts.calls_to(BLOCKING_FUNCTIONS | WAIT_OPTIONS.keys(), in_async=True)

    def visit_Call(self, node: cst.Call) -> None:
        name = blocking_subprocess_call(self.ctx, node)
        if name is not None and in_async_code(self.ctx, node):
            library = async_library(self.ctx)
            self.report(
                node,
                f"Blocking subprocess call `{name}()` in async code stalls the event loop; "
                f"use `{subprocess_advice(library)}` or `{thread_call(library)}`",
                fix=self._fix(node, name),
            )

    def _fix(self, node: cst.Call, name: str) -> Fix | None:
        if not waits_for_child(self.ctx, node, name):
            return None
        return to_thread_fix(self.ctx, node, "Run the call")
