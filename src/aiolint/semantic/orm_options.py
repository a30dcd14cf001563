"""Which relationship paths a statement's loader options load (AIO309).

`loaded_paths(ctx, options, paths)` reads `.options(...)` arguments:
`selectinload(M.a)`, `joinedload(M.a).selectinload(A.b)`, `Load(M).joinedload(M.a)`,
`defaultload(M.a).selectinload(A.b)` (only `a.b` is loaded), an option's
`.options(...)`, `M.a.of_type(X)`; column options (`load_only`, `defer`) load
no relationship; `lazyload`/`raiseload` keep a path lazy. Paths are tuples of
attribute names from the selected class (`("items", "product")`). An option
it cannot read (a variable, `*opts`, a wildcard string) makes the whole load
unknown (None), and AIO309 stays silent on the object.
"""

from __future__ import annotations

import libcst as cst

from aiolint.semantic.context import FileContext
from aiolint.semantic.names import dotted, qualified_name

__all__ = ["Paths", "loaded_paths"]

Paths = frozenset[tuple[str, ...]]

_EAGER = frozenset(
    {"selectinload", "joinedload", "subqueryload", "immediateload", "contains_eager"}
)
#: Loader options that set no eager load: the path stays as it was (`defaultload`
#: only leads to a deeper option; `lazyload`/`raiseload` keep it lazy).
_PATH_ONLY = frozenset({"defaultload", "lazyload", "raiseload"})
_COLUMN_OPTIONS = frozenset(
    {"load_only", "defer", "undefer", "undefer_group", "with_expression", "selectin_polymorphic"}
)
_LOADERS = _EAGER | _PATH_ONLY | _COLUMN_OPTIONS | {"noload", "Load"}
_ORM_MODULES = ("sqlalchemy.orm", "sqlalchemy.orm.strategy_options", "sqlmodel")


def loaded_paths(ctx: FileContext, options: list[cst.BaseExpression], paths: Paths) -> Paths | None:
    """The relationship paths loaded by a statement's `paths` and `options`
    (None: an option that cannot be read)."""
    found = set(paths)
    for option in options:
        loaded = _option(ctx, option, ())
        if loaded is None:
            return None
        found.update(loaded)
    return frozenset(found)


def _option(
    ctx: FileContext, node: cst.BaseExpression, prefix: tuple[str, ...]
) -> set[tuple[str, ...]] | None:
    """The paths one loader option loads (None: not readable)."""
    if not isinstance(node, cst.Call):
        return None
    func = node.func
    if isinstance(func, cst.Attribute) and not _loader_function(ctx, func):
        # a chained option: `joinedload(M.a).selectinload(A.b)`, `.options(...)`
        base = _option_chain(ctx, func.value, prefix)
        if base is None:
            return None
        found, end = base
        method = func.attr.value
        if method == "options":
            for arg in node.args:
                inner = _option(ctx, arg.value, end)
                if inner is None or arg.star:
                    return None
                found |= inner
            return found
        step = _step(method, node, end)
        if step is None:
            return None
        return found | step[0]
    name = _loader_name(ctx, func)
    if name is None:
        return None
    step = _step(name, node, prefix)
    return step[0] if step is not None else None


def _option_chain(
    ctx: FileContext, node: cst.BaseExpression, prefix: tuple[str, ...]
) -> tuple[set[tuple[str, ...]], tuple[str, ...]] | None:
    """The paths loaded so far by an option chain and the path it ends at."""
    if not isinstance(node, cst.Call):
        return None
    func = node.func
    if isinstance(func, cst.Attribute) and not _loader_function(ctx, func):
        base = _option_chain(ctx, func.value, prefix)
        if base is None:
            return None
        step = _step(func.attr.value, node, base[1])
        return (base[0] | step[0], step[1]) if step is not None else None
    name = _loader_name(ctx, func)
    if name is None:
        return None
    if name == "Load":
        return (set(), prefix)
    step = _step(name, node, prefix)
    return step


def _step(
    name: str, node: cst.Call, prefix: tuple[str, ...]
) -> tuple[set[tuple[str, ...]], tuple[str, ...]] | None:
    """One loader (`selectinload(M.a)`) after `prefix`: the paths it loads
    and the path it ends at."""
    if name in _COLUMN_OPTIONS:
        return set(), prefix
    if name not in _EAGER and name not in _PATH_ONLY and name != "noload":
        return None
    positional = [arg for arg in node.args if arg.keyword is None]
    if len(positional) != 1 or positional[0].star:
        return None
    attr = _attribute_name(positional[0].value)
    if attr is None:
        return None
    path = (*prefix, attr)
    loaded = {path} if name in _EAGER or name == "noload" else set()
    return loaded, path


def _loader_function(ctx: FileContext, func: cst.Attribute) -> bool:
    """`orm.selectinload` (a module attribute), not a method of an option."""
    return _loader_name(ctx, func) is not None


def _loader_name(ctx: FileContext, func: cst.BaseExpression) -> str | None:
    name = qualified_name(ctx, func)
    if name is None:
        return None
    module, _, last = name.rpartition(".")
    return last if last in _LOADERS and module in _ORM_MODULES else None


def _attribute_name(node: cst.BaseExpression) -> str | None:
    """`M.a`, `M.a.of_type(X)`, `M.a.and_(...)` -> "a"."""
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in ("of_type", "and_")
    ):
        node = node.func.value
    if isinstance(node, cst.Attribute) and dotted(node.value):
        return node.attr.value
    return None
