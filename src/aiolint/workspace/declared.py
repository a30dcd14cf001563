"""What a project declares about the versions it runs on: the lowest Python
and the lowest version of each library its requirements allow.

One reader for every place a project declares its dependencies:
`pyproject.toml` (`[project] dependencies` and `optional-dependencies`,
`[dependency-groups]`, Poetry's `[tool.poetry.dependencies]`, its
`dev-dependencies` and groups), `requirements*.txt` (and the files they
`-r`-include), `Pipfile` (`[packages]`, `[dev-packages]`), `setup.cfg`
(`install_requires`, `extras_require`) and the requirement strings of a
`setup.py`. Requirements and specifiers are parsed with `packaging`; Poetry's
`^` / `~` constraints are read as the lower bound they start with.

"The lowest version allowed" decides: `>=1.4,<2` allows 1.4.0, `<2.0` allows
anything (no lower bound: version 0), a bare name declares the library
without a version (unknown). Several declarations of one library (a
pyproject and a requirements file) must all hold, so the highest of their
lowest versions counts. A file's declarations are those of the nearest
folder at or above it that declares the library, stopping at the repository
root (a folder holding `.git`).

What was read is remembered in the result cache's folder of the running
build (`<version>-<build id>/declared.marshal`, by the SHA-256 of the files'
bytes, behind a checksum; see `use_store`), so a run where no dependency file
changed neither parses them nor imports `packaging`, an upgraded aiolint
starts afresh, a file replaced with the same size and modification time is
read again, and a damaged store is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from packaging.version import Version

    T = TypeVar("T")

__all__ = [
    "VERSIONED_LIBRARIES",
    "declared_names",
    "library_versions",
    "lowest_allowed",
    "python_floor",
    "remembered",
    "stamp",
    "use_store",
]

#: The libraries whose declared versions rules and fixes follow (the version
#: gates of AIO301 and AIO401); only these go into the lint options.
VERSIONED_LIBRARIES = ("fastapi", "sqlalchemy")
#: Below this version, a specifier without a lower bound (`<2.0`) allows anything.
_ZERO = "0"
_REQUIREMENTS = re.compile(r"^requirements.*\.(?:txt|in)$", re.IGNORECASE)
#: A quoted string in a setup.py that may be a requirement (`"sqlalchemy>=1.4"`).
_SETUP_STRING = re.compile(r"""["']([A-Za-z0-9][A-Za-z0-9._\-\[\], ]*(?:[<>=!~]=?[^"'\n]*)?)["']""")
#: The usual spellings of a lower bound (`>=3.10`, `~=3.11`, `==3.12.*`,
#: Poetry's `^3.10`, with or without `,<4`): read without loading `packaging`,
#: with the answer it would give.
_SIMPLE_FLOOR = re.compile(
    r"^\s*(?:>=|~=|\^)\s*(\d+(?:\.\d+){0,2})\s*(?:,\s*<\s*\d+(?:\.\d+)*\s*)?$"
    r"|^\s*==\s*(\d+(?:\.\d+){0,2})(?:\.\*)?\s*(?:,\s*<\s*\d+(?:\.\d+)*\s*)?$"
)
_POETRY = re.compile(r"^\s*([\^~])\s*=?\s*([0-9][0-9a-zA-Z.*+!-]*)\s*$")
_BARE_VERSION = re.compile(r"^\s*[0-9][0-9a-zA-Z.*+!-]*\s*$")


def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares them (`SQLAlchemy` -> `sqlalchemy`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lowest_allowed(constraint: str, *, poetry: bool = False) -> Version | None:
    """The lowest version `constraint` allows (PEP 440, or with `poetry` also
    Poetry's `^1.3`, `~1.3`, `1.3` and `*`); version 0 when it sets no lower
    bound; None when it does not parse."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    text = constraint.strip()
    if poetry:
        if text in ("", "*"):
            return Version(_ZERO)
        parts = [part.strip() for part in text.split(",")]
        converted: list[str] = []
        for part in parts:
            caret = _POETRY.match(part)
            if caret is not None:
                part = f">={caret.group(2).rstrip('.*') or _ZERO}"
            elif _BARE_VERSION.match(part):
                part = f"=={part}"
            converted.append(part)
        text = ",".join(converted)
    try:
        specifiers = SpecifierSet(text)
    except InvalidSpecifier:
        return None
    floors: list[Version] = []
    for spec in specifiers:
        version = spec.version.rstrip(".*")
        try:
            floor = Version(version)
        except InvalidVersion:
            continue
        if spec.operator in (">=", "==", "~=", "==="):
            floors.append(floor)
        elif spec.operator == ">":
            floors.append(Version(f"{floor.base_version}.post0"))
    return max(floors) if floors else Version(_ZERO)


def python_floor(pyproject: Mapping[str, Any]) -> tuple[int, int] | None:
    """The lowest Python 3 minor version a pyproject.toml's `requires-python`
    (else Poetry's `python` dependency) allows; None when it declares neither."""
    project = pyproject.get("project")
    requires = project.get("requires-python") if isinstance(project, Mapping) else None
    poetry = False
    if not isinstance(requires, str):
        requires = _poetry_dependencies(pyproject).get("python")
        requires = requires.get("version") if isinstance(requires, Mapping) else requires
        poetry = True
    if not isinstance(requires, str):
        return None
    simple = _SIMPLE_FLOOR.match(requires)
    if simple is not None and (poetry or not requires.lstrip().startswith("^")):
        release = [int(part) for part in (simple.group(1) or simple.group(2)).split(".")]
        return _python3(release[0], release[1] if len(release) > 1 else 0)
    floor = lowest_allowed(requires, poetry=poetry)
    if floor is None or floor.release == (0,):
        return None  # no lower bound (`<4`)
    return _python3(floor.major, floor.minor)


def _python3(major: int, minor: int) -> tuple[int, int] | None:
    """The lowest Python 3 allowed from this floor (`>=2.7` allows 3.0)."""
    if major > 3:
        return None
    return (3, minor) if major == 3 else (3, 0)


def _poetry_dependencies(pyproject: Mapping[str, Any]) -> Mapping[str, Any]:
    tool = pyproject.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, Mapping) else None
    deps = poetry.get("dependencies") if isinstance(poetry, Mapping) else None
    return deps if isinstance(deps, Mapping) else {}


def _poetry_tables(pyproject: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    tool = pyproject.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, Mapping) else None
    if not isinstance(poetry, Mapping):
        return
    yield _poetry_dependencies(pyproject)
    if isinstance(poetry.get("dev-dependencies"), Mapping):
        yield poetry["dev-dependencies"]
    groups = poetry.get("group")
    for group in groups.values() if isinstance(groups, Mapping) else ():
        deps = group.get("dependencies") if isinstance(group, Mapping) else None
        if isinstance(deps, Mapping):
            yield deps


def _constraint(value: object) -> Iterator[str]:
    """The version constraints of a Poetry or Pipfile entry (a string, a table
    with `version`, or a list of tables); a table without one allows anything."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        version = value.get("version")
        yield version if isinstance(version, str) else "*"
    elif isinstance(value, list):
        for item in value:
            yield from _constraint(item)


#: One declaration: the library's canonical name and the lowest version it
#: allows ("" when it names no version).
_Declaration = tuple[str, str]


def _from_requirement_strings(lines: Iterable[object]) -> Iterator[_Declaration]:
    from packaging.requirements import InvalidRequirement, Requirement

    for line in lines:
        if not isinstance(line, str):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        floor = lowest_allowed(str(requirement.specifier)) if requirement.specifier else None
        yield canonical(requirement.name), "" if floor is None else str(floor)


def _from_pyproject(data: Mapping[str, Any]) -> Iterator[_Declaration]:
    project = data.get("project")
    if isinstance(project, Mapping):
        deps = project.get("dependencies")
        yield from _from_requirement_strings(deps if isinstance(deps, list) else ())
        optional = project.get("optional-dependencies")
        for group in optional.values() if isinstance(optional, Mapping) else ():
            yield from _from_requirement_strings(group if isinstance(group, list) else ())
    groups = data.get("dependency-groups")
    for group in groups.values() if isinstance(groups, Mapping) else ():
        yield from _from_requirement_strings(group if isinstance(group, list) else ())
    for table in _poetry_tables(data):
        for name, value in table.items():
            if name == "python":
                continue
            floors = [lowest_allowed(c, poetry=True) for c in _constraint(value)]
            known = [f for f in floors if f is not None]
            floor = min(known) if known and len(known) == len(floors) else None
            yield canonical(name), _unknown_if_zero(floor, value)


def _unknown_if_zero(floor: Version | None, value: object) -> str:
    """A Poetry/Pipfile `*` (or a table without a version) names no version."""
    if floor is None:
        return ""
    if str(floor) == _ZERO and _constraint_is_any(value):
        return ""
    return str(floor)


def _constraint_is_any(value: object) -> bool:
    return all(c.strip() in ("", "*") for c in _constraint(value))


def _from_pipfile(data: Mapping[str, Any]) -> Iterator[_Declaration]:
    for section in ("packages", "dev-packages"):
        table = data.get(section)
        for name, value in table.items() if isinstance(table, Mapping) else ():
            constraints = list(_constraint(value))
            floors = [
                lowest_allowed(c) if c.strip() not in ("", "*") else None for c in constraints
            ]
            known = [f for f in floors if f is not None]
            yield canonical(name), str(min(known)) if known and len(known) == len(floors) else ""


def _from_requirements(path: str, seen: set[str]) -> Iterator[_Declaration]:
    """A requirements file's requirements, and those of the files it `-r`-includes."""
    if path in seen:
        return
    seen.add(path)
    text = _read_text(path)
    if text is None:
        return
    lines: list[str] = []
    for raw in text.replace("\\\n", "").splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        include = re.match(r"^(?:-r|--requirement)[\s=]+(\S+)$", line)
        if include is not None:
            yield from _from_requirements(
                os.path.join(os.path.dirname(path), include.group(1)), seen
            )
            continue
        if line.startswith("-"):
            continue  # -e, -c, --index-url ...: no requirement of a named release
        lines.append(line.split(" --", 1)[0])  # `pkg==1.0 --hash=...`
    yield from _from_requirement_strings(lines)


def _from_setup_cfg(path: str) -> Iterator[_Declaration]:
    import configparser  # only when a setup.cfg is read (its declarations are remembered)

    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return
    values: list[str] = []
    if parser.has_option("options", "install_requires"):
        values.append(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        values.extend(value for _, value in parser.items("options.extras_require"))
    yield from _from_requirement_strings(
        line.strip() for value in values for line in value.splitlines() if line.strip()
    )


def _from_setup_py(path: str) -> Iterator[_Declaration]:
    text = _read_text(path)
    if text is not None:
        yield from _from_requirement_strings(m.group(1) for m in _SETUP_STRING.finditer(text))


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _read_toml(path: str) -> Mapping[str, Any] | None:
    from aiolint.workspace.config import ConfigError, _read_toml

    try:
        return _read_toml(path)
    except ConfigError:
        return None


_STORE_FORMAT = 2
#: The store's file (None: nothing remembered across runs) and what it holds.
_store: dict[str, Any] = {"path": None, "data": None}


def use_store(path: str | None) -> None:
    """Remember what is read in the marshal file `path` (None: only in this process)."""
    if path != _store["path"]:
        _store["path"], _store["data"] = path, None


def _stored() -> dict[Any, Any]:
    data = _store["data"]
    if data is None:
        data = {}
        if _store["path"] is not None:
            from aiolint.workspace.cache import read_entry, unseal

            try:
                payload = unseal(read_entry(_store["path"])[0])
                loaded = marshal.loads(payload) if payload is not None else None
                if isinstance(loaded, tuple) and loaded[:1] == (_STORE_FORMAT,):
                    data = loaded[1]
            except (OSError, EOFError, ValueError, TypeError, IndexError):
                pass
        _store["data"] = data
    return data


#: A store key: what is remembered, and the (path, stamp) of each file it read.
StoreKey = tuple[str, tuple[tuple[str, str], ...]]


def remembered(
    key: StoreKey, compute: Callable[[], T], valid: Callable[[T], bool] | None = None
) -> T:
    """`compute()`, remembered under `key` (which holds the stamps of the
    files it reads, so an edit is a new key) while `valid` holds for it. A
    key whose files changed since is dropped when the store is written."""
    data = _stored()
    if key in data and (valid is None or valid(data[key])):
        return data[key]  # type: ignore[no-any-return]
    value = data[key] = compute()
    if _store["path"] is not None:
        _write_store(_store["path"], data)
    return value


def _write_store(path: str, data: dict[Any, Any]) -> None:
    from aiolint.workspace.cache import store_in_build_folder

    current = {
        key: value
        for key, value in data.items()
        if all(stamp(name) == known for name, known in key[1])
    }
    with contextlib.suppress(OSError, ValueError):  # the store only saves time
        store_in_build_folder(path, marshal.dumps((_STORE_FORMAT, current)))


def stamp(path: str) -> str | None:
    """The SHA-256 of a file's bytes (dependency files are few and small);
    None when it cannot be read."""
    return _stamp(path)


def _stamp(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def _dependency_files(folder: str) -> tuple[tuple[str, str], ...]:
    """The dependency files in `folder` and their stamps (what the folder's
    declarations are read from: read again when one changes)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return ()
    found: list[tuple[str, str]] = []
    for name in names:
        if name in ("pyproject.toml", "Pipfile", "setup.cfg", "setup.py") or _REQUIREMENTS.match(
            name
        ):
            path = os.path.join(folder, name)
            stamp = _stamp(path)
            if stamp is not None and os.path.isfile(path):
                found.append((path, stamp))
    return tuple(found)


def _declarations(
    files: tuple[tuple[str, str], ...],
) -> tuple[dict[str, str], tuple[tuple[str, str | None], ...]]:
    """Every library these files declare and the lowest version allowed (""
    unknown), and the stamps of the requirements files they `-r`-include."""
    found: dict[str, list[str]] = {}
    seen: set[str] = set()
    for path, _ in files:
        name = os.path.basename(path)
        declarations: Iterable[_Declaration]
        if name == "pyproject.toml":
            data = _read_toml(path)
            declarations = _from_pyproject(data) if data is not None else ()
        elif name == "Pipfile":
            data = _read_toml(path)
            declarations = _from_pipfile(data) if data is not None else ()
        elif name == "setup.cfg":
            declarations = _from_setup_cfg(path)
        elif name == "setup.py":
            declarations = _from_setup_py(path)
        else:
            declarations = _from_requirements(path, seen)
        for library, floor in declarations:
            found.setdefault(library, []).append(floor)
    own = {path for path, _ in files}
    included = tuple((path, stamp(path)) for path in sorted(seen - own))
    return {library: _highest(floors) for library, floors in found.items()}, included


def _highest(floors: list[str]) -> str:
    from packaging.version import Version

    known = [Version(f) for f in floors if f]
    return str(max(known)) if known else ""


def folder_declarations(folder: str) -> dict[str, str]:
    """The libraries the dependency files of `folder` declare (canonical
    names) and the lowest version each allows ("" when none is named)."""
    files = _dependency_files(folder)
    if not files:
        return {}
    found, _ = remembered(
        ("requirements", files),
        lambda: _declarations(files),
        lambda value: all(stamp(path) == known for path, known in value[1]),
    )
    return found


def declared_names(folder: str) -> frozenset[str]:
    """The libraries `folder`'s dependency files declare (canonical names)."""
    return frozenset(folder_declarations(folder))


def library_versions(
    path: str,
    libraries: Iterable[str] = VERSIONED_LIBRARIES,
    *,
    memo: dict[str, dict[str, str]] | None = None,
    nearest: dict[str, dict[str, str]] | None = None,
    resolved: bool = False,
) -> tuple[tuple[str, str], ...]:
    """For the file (or folder) `path`: each of `libraries` that a folder at or
    above it declares with a version, and the lowest version allowed (the
    nearest declaring folder counts; the walk stops at the repository root).
    `memo`: each folder's declarations read so far (one run's); `nearest`:
    what `_nearest` answered for each folder so far (one run's); `resolved`:
    `path` is a folder as it resolves (no `realpath` of it again)."""
    folder = path
    if not resolved:
        folder = os.path.realpath(path)
        if not os.path.isdir(folder):
            folder = os.path.dirname(folder)
    found = _nearest(folder, {} if memo is None else memo, {} if nearest is None else nearest)
    return tuple(sorted((name, found[name]) for name in set(libraries) if found.get(name)))


def _nearest(
    folder: str, memo: dict[str, dict[str, str]], nearest: dict[str, dict[str, str]]
) -> dict[str, str]:
    """Every library declared at or above `folder` (up to the repository
    root) with what the nearest folder declaring it allows: worked out once
    per folder, from its parent's."""
    found = nearest.get(folder)
    if found is None:
        declared = memo.get(folder)
        if declared is None:
            declared = memo[folder] = folder_declarations(folder)
        parent = os.path.dirname(folder)
        if parent == folder or os.path.exists(os.path.join(folder, ".git")):
            found = declared
        else:
            found = {**_nearest(parent, memo, nearest), **declared}
        nearest[folder] = found
    return found
