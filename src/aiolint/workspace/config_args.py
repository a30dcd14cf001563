"""`--config`, as ruff takes it: each value is either the path of a
configuration file (a `pyproject.toml`, or an `aiolint.toml` with the keys at
top level) or an inline TOML `KEY = VALUE` overriding one setting
(`--config 'select = ["AIO2"]'`). At most one file; any number of overrides,
applied in order over the file's settings (the dedicated flags, such as
`--select`, are applied after them). A file does not go with `--isolated`; an
override does."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from aiolint.workspace.config import Config, ConfigError, apply_settings
from aiolint.workspace.paths import expanduser, normalized

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_TIP = "  tip: "
_INDENT = " " * len(_TIP)


class ConfigArguments:
    """The `--config` values of one command line, sorted into a file and overrides."""

    __slots__ = ("file", "overrides")

    def __init__(self, file: str | None, overrides: list[tuple[str, dict[str, Any]]]) -> None:
        self.file = file
        #: (the value as given, its table), in command-line order.
        self.overrides = overrides

    @classmethod
    def parse(cls, values: Sequence[str] | None, *, isolated: bool = False) -> ConfigArguments:
        file: str | None = None
        overrides: list[tuple[str, dict[str, Any]]] = []
        for value in values or ():
            path = os.path.expandvars(expanduser(value))
            if os.path.isfile(path):
                if isolated:
                    raise ConfigError(
                        f"the argument `--config={value}` cannot be used with `--isolated`\n\n"
                        f"{_TIP}You cannot specify a configuration file and also specify "
                        "`--isolated`,\n"
                        f"{_INDENT}as `--isolated` causes aiolint to ignore all configuration "
                        "files."
                    )
                if file is not None:
                    raise ConfigError(
                        "You cannot specify more than one configuration file on the command "
                        f"line.\n\n{_TIP}remove either `--config={file}` or `--config={value}`."
                    )
                file = normalized(path)
            else:
                overrides.append((value, _inline_table(value)))
        return cls(file, overrides)

    def apply(self, config: Config) -> Config:
        """`config` with the overrides applied (relative paths from the working folder)."""
        for value, table in self.overrides:
            config = apply_settings(config, table, lambda key, v=value: f"--config {v!r}: {key}")
            if "cache-dir" in table and config.cache_dir is not None:
                config = config.replace(cache_dir=normalized(os.path.abspath(config.cache_dir)))
        return config


def _loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib.loads(text)


def _inline_table(value: str) -> dict[str, Any]:
    try:
        return _loads(value)
    except ValueError as exc:
        reason = str(exc)
    tip = (
        f"{_TIP}A `--config` flag must either be a path to a `.toml` configuration file\n"
        f"{_INDENT}or a TOML `<KEY> = <VALUE>` pair overriding a specific configuration\n"
        f"{_INDENT}option"
    )
    if value.lower().endswith(".toml") and "=" not in value:
        tip += (
            "\n\nIt looks like you were trying to pass a path to a configuration file.\n"
            f"The path `{value}` does not point to a configuration file"
        )
    else:
        tip += f"\n\nThe supplied argument is not valid TOML:\n\n{reason}"
    raise ConfigError(f"invalid value {value!r} for '--config <CONFIG_OPTION>'\n\n{tip}")
