import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def _cache_outside_the_project(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test's CLI runs cache in a fresh folder of their own, never in the
    repository or the test's project (the cache tests unset this)."""
    folder = tmp_path_factory.mktemp("aiolint-cache") / "cache"  # made by aiolint: used as is
    monkeypatch.setenv("AIOLINT_CACHE_DIR", str(folder))
    monkeypatch.delenv("AIOLINT_NO_CACHE", raising=False)
