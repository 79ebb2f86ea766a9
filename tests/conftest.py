"""Settings shared by every test."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import Phase, settings
from hypothesis.configuration import set_hypothesis_home_dir

# Property tests are derandomized: the same examples on every run and every machine (so
# CI is deterministic), and no example database written into the working directory.
settings.register_profile("objcg-lab", derandomize=True, deadline=None)
# benchmarks/mutants.py wants a failure, not its smallest example: no shrinking.
settings.register_profile("mutants", derandomize=True, deadline=None,
                          phases=[Phase.explicit, Phase.generate])
settings.load_profile(os.environ.get("OBJCG_LAB_HYPOTHESIS", "objcg-lab"))


@pytest.fixture(scope="session", autouse=True)
def hypothesis_files_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Hypothesis caches files (its unicode tables) in .hypothesis/ of the working
    directory: in pytest's temporary directory instead."""
    set_hypothesis_home_dir(str(tmp_path_factory.mktemp("hypothesis")))


def chromium_env(tmp: Path) -> dict[str, str]:
    """The environment of a Chromium a test launches: its config directory (the crash
    reporter writes there even with a temporary profile) under `tmp`, not ~/.config."""
    return {**os.environ, "XDG_CONFIG_HOME": str(tmp / "chromium-config")}


def wait_until(condition, timeout: float = 20.0, what: str = "condition"):
    """Poll `condition` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
