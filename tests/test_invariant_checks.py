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
    m = Machine()
    run_all(m)
    assert len(m.commands) == len(SCRIPT) and m.commands[-1].ret == 0  # rmdir A ran
    assert m.state.memcgs["/A"]["state"] != "online"


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



# -- cgroup v1's kmem counter and page-charged kmem ------------------------------------
from engine.invariants import check_all  # noqa: E402
from engine.kernel import kmem_v1, lifecycle, objstock, pages  # noqa: E402
from engine.kernel.page_counter import page_counter_uncharge  # noqa: E402

V1_SCRIPT = ["config cgroup=v1", "write / memory.use_hierarchy 1", "mkdir A", "mkdir A/B",
             "task t A/B", "alloc X 100 task=t cpu=0", "alloc_pages P 1 task=t cpu=0",
             "alloc Y 5000 task=t cpu=0",  # a drain: 1 page back through drain_obj_stock
             "write A memory.kmem.limit_in_bytes 16K",
             "alloc Z 4096 task=t cpu=0",  # kmem refused: cancel_charge
             "free X cpu=1", "free P cpu=0", "free Y cpu=1",
             "move t /", "rmdir A/B", "drain cpu=1"]
PAGES_SCRIPT = ["mkdir A", "task t A", "alloc_pages P 0 task=t cpu=0", "move t /",
                "rmdir A", "free P cpu=1"]


def run_checked(lines: list[str]) -> Machine:
    """Every micro-step checked by the machine, and everything from scratch after each command."""
    m = Machine()
    for line in lines:
        m.run_line(line)
        check_all(m.state)
    return m


def test_the_unbroken_kernel_passes_v1_and_pages() -> None:
    m = run_checked(V1_SCRIPT)
    # every line ran: X, P and Y were freed; Z stays, allocated unaccounted (v5.9 slab)
    assert set(m.state.objects) == {"Z"} and len(m.commands) == len(V1_SCRIPT)
    m = run_checked(PAGES_SCRIPT)
    assert not m.state.objects and len(m.commands) == len(PAGES_SCRIPT)


def test_an_uncharge_that_forgets_the_kmem_counter_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(objstock, "memcg_kmem_uncharge",
                        lambda k, memcg, nr_pages: page_counter_uncharge(k, memcg, nr_pages))
    with pytest.raises(InvariantViolation, match="I14 kmem counter"):
        run_checked(V1_SCRIPT)


def test_a_batched_kmem_charge_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real = kmem_v1.page_counter_try_charge
    monkeypatch.setattr(kmem_v1, "page_counter_try_charge",
                        lambda k, memcg, n, counter: real(k, memcg, max(n, 32), counter))
    with pytest.raises(InvariantViolation, match="I14 kmem counter"):
        run_checked(V1_SCRIPT)


def test_a_kmem_refusal_that_keeps_the_memory_charge_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_cancel(k, memcg, nr_pages):  # type: ignore[no-untyped-def]
        yield ("cancel_charge.uncharge", memcg, 0, k.memcgs[memcg]["usage"])

    monkeypatch.setattr(kmem_v1, "cancel_charge", no_cancel)
    with pytest.raises(InvariantViolation, match="in hand|I5"):
        run_checked(V1_SCRIPT)


def test_a_page_that_does_not_keep_its_css_reference_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pages.css_get
    monkeypatch.setattr(pages, "css_get", lambda k, memcg, holder: None
                        if holder.startswith("page:") else real(k, memcg, holder))
    with pytest.raises(InvariantViolation, match="I15 page pins its memcg"):
        run_checked(PAGES_SCRIPT)


def test_a_page_freed_without_putting_its_reference_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pages.css_put
    monkeypatch.setattr(pages, "css_put", lambda k, memcg, holder: None
                        if holder.startswith("page:") else real(k, memcg, holder))
    with pytest.raises(InvariantViolation, match="I6/I9|I9"):
        run_checked(PAGES_SCRIPT)


def test_counters_linked_without_use_hierarchy_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real = lifecycle.new_memcg

    def always_linked(k, name, path, parent):  # type: ignore[no-untyped-def]
        rec = real(k, name, path, parent)
        rec["counter_parent"] = parent  # 5.10's behaviour, wrongly in 5.9 (and not to root)
        return rec

    monkeypatch.setattr(lifecycle, "new_memcg", always_linked)
    with pytest.raises(InvariantViolation, match="I4"):
        run_checked(["config cgroup=v1", "mkdir A", "mkdir A/B", "task t A/B",
                     "alloc X 100 task=t cpu=0"])
