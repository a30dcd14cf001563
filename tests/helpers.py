"""Running the CLI in-process for tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from aiolint.cli import main


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    code = main(list(args))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


SLEEPY = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
