"""The invariant checks can fail: break the simulated kernel on purpose and watch them."""
from __future__ import annotations

import pytest

from engine import Machine
from engine.invariants import InvariantViolation
from engine.kernel import stock

SCRIPT = ["mkdir A", "mkdir B", "task a A", "task b B", "alloc X 100 task=a cpu=0",
          "alloc Y 100 task=b cpu=0", "free X cpu=1", "move a /", "rmdir A"]


def run_all(m: Machine) -> None:
    for line in SCRIPT:
        m.run_line(line)


def test_the_unbroken_kernel_passes() -> None:
    run_all(Machine())


def test_losing_the_drained_remainder_breaks_byte_conservation(monkeypatch: pytest.MonkeyPatch) -> None:
    def lossy_add(d, key, delta):  # type: ignore[no-untyped-def]
        if key == "nr_charged_bytes":
            delta = 0  # the remainder vanishes instead of going to nr_charged_bytes
        m.state.set(d, key, d[key] + delta)

    m = Machine()
    monkeypatch.setattr(m.state, "add", lossy_add)
    with pytest.raises(InvariantViolation, match="I1 byte conservation"):
        run_all(m)


def test_a_stock_without_its_css_reference_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stock, "css_get", lambda k, memcg, holder: None)
    with pytest.raises(InvariantViolation, match="I6/I9|I9"):
        run_all(Machine())


def test_an_uncharge_that_stops_below_root_breaks_the_usage_books(monkeypatch: pytest.MonkeyPatch) -> None:
    def shallow(k, memcg, nr_pages):  # type: ignore[no-untyped-def]
        rec = k.memcgs[memcg]
        k.st.set(rec, "usage", rec["usage"] - nr_pages)  # forgets the ancestors

    monkeypatch.setattr(stock, "page_counter_uncharge", shallow)
    with pytest.raises(InvariantViolation, match="I5"):
        run_all(Machine())

