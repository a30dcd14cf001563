"""The client's settings: `initializationOptions` and `workspace/didChangeConfiguration`.

Either `{"aiolint": {...}}` or the same keys at top level. Each key plays the
part of the `aiolint check` flag it names, applied on top of the file's
configuration: `select` (`--select`), `extendSelect` (`--extend-select`),
`ignore` (`--ignore`), `unsafeFixes` (`--unsafe-fixes`), `configPath`
(`--config`). A missing key leaves the configuration's value alone; a value of
the wrong type, an unknown code or an unknown key in the `aiolint` object is
a `SettingsError` naming the key (keys at top level that are not aiolint's are
left alone: the object may hold other tools' settings). Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiolint.engine.record import Record
from aiolint.workspace.selection import UnknownSelectorError, validate_selector

SECTION = "aiolint"
#: The keys a client may send, with the `aiolint check` flag each stands for.
KEYS = {
    "select": "--select",
    "extendSelect": "--extend-select",
    "ignore": "--ignore",
    "unsafeFixes": "--unsafe-fixes",
    "configPath": "--config",
}


class SettingsError(ValueError):
    """A setting of the wrong type or an unknown key; the message names it."""


class Settings(Record):
    """What the client asked for; None: not set (the configuration decides)."""

    __slots__ = _fields = ("select", "extend_select", "ignore", "unsafe_fixes", "config_path")
    select: tuple[str, ...] | None
    extend_select: tuple[str, ...]
    ignore: tuple[str, ...]
    unsafe_fixes: bool | None
    config_path: str | None

    def __init__(
        self,
        select: tuple[str, ...] | None = None,
        extend_select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        unsafe_fixes: bool | None = None,
        config_path: str | None = None,
    ) -> None:
        self._set(
            select=select,
            extend_select=extend_select,
            ignore=ignore,
            unsafe_fixes=unsafe_fixes,
            config_path=config_path,
        )


def _codes(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str):  # "AIO201,AIO202", as the flag takes it
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"settings: {key}: expected a list of codes, got {value!r}")
    try:
        return tuple(validate_selector(v) for v in value if v.strip())
    except UnknownSelectorError as exc:
        raise SettingsError(f"settings: {key}: {exc}") from None


def names_settings(raw: object) -> bool:
    """`raw` holds aiolint settings (an `aiolint` object, or one of the keys at
    top level); a change of configuration without any (null, `{}`, only other
    tools' settings) leaves the current settings alone."""
    if not isinstance(raw, Mapping):
        return raw is not None
    return SECTION in raw or any(key in KEYS for key in raw)


def parse_settings(raw: object) -> Settings:
    """The settings in `raw` (`{"aiolint": {...}}`, or the keys at top level;
    None or an empty object: no settings)."""
    if raw is None:
        return Settings()
    if not isinstance(raw, Mapping):
        raise SettingsError(f"settings: expected an object, got {raw!r}")
    section = raw.get(SECTION, raw)
    if section is None:
        return Settings()
    if not isinstance(section, Mapping):
        raise SettingsError(f"settings: {SECTION}: expected an object, got {section!r}")
    unknown = sorted(str(key) for key in section if key not in KEYS)
    if unknown and section is not raw:
        known = ", ".join(KEYS)
        raise SettingsError(f"settings: {SECTION}: unknown key {unknown[0]!r} (known: {known})")
    select = section.get("select")
    unsafe = section.get("unsafeFixes")
    if unsafe is not None and not isinstance(unsafe, bool):
        raise SettingsError(f"settings: unsafeFixes: expected true or false, got {unsafe!r}")
    config_path = section.get("configPath")
    if config_path is not None and not isinstance(config_path, str):
        raise SettingsError(f"settings: configPath: expected a path, got {config_path!r}")
    return Settings(
        select=None if select is None else _codes(select, "select"),
        extend_select=_codes(section.get("extendSelect") or [], "extendSelect"),
        ignore=_codes(section.get("ignore") or [], "ignore"),
        unsafe_fixes=unsafe,
        config_path=config_path or None,
    )


def section_of(raw: object) -> dict[str, object]:
    """The aiolint keys `raw` sets (`{"aiolint": {...}}`, or the keys at top
    level; None: none), for layering one source of settings over another."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise SettingsError(f"settings: expected an object, got {raw!r}")
    if SECTION in raw:
        section = raw[SECTION]
        if section is None:
            return {}
        if not isinstance(section, Mapping):
            raise SettingsError(f"settings: {SECTION}: expected an object, got {section!r}")
        return {str(key): value for key, value in section.items()}
    return {key: value for key, value in raw.items() if key in KEYS}


def layered(*sources: Mapping[str, object]) -> Settings:
    """The settings of `sources` (as `section_of` gives them), each key taken
    from the last source that sets it (the folder's over the initialization
    options)."""
    merged: dict[str, object] = {}
    for source in sources:
        merged.update(source)
    return parse_settings({SECTION: merged})
