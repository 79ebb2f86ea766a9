"""Settings shared by every test."""
from __future__ import annotations

import os

from hypothesis import Phase, settings

# Property tests are derandomized: the same examples on every run and every machine (so
# CI is deterministic), and no example database written into the working directory.
settings.register_profile("objcg-lab", derandomize=True, deadline=None)
# benchmarks/mutants.py wants a failure, not its smallest example: no shrinking.
settings.register_profile("mutants", derandomize=True, deadline=None,
                          phases=[Phase.explicit, Phase.generate])
settings.load_profile(os.environ.get("OBJCG_LAB_HYPOTHESIS", "objcg-lab"))
