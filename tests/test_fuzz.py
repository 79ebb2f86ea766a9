"""No input crashes `objcg-lab run`: random bytes, random token soup and absurd numbers
either run or stop with exactly one `FILE:LINE: error: ...` line and exit status 2.

The run goes through engine.headless.main_run, what `objcg-lab run FILE` calls, in
process (so hypothesis can try many inputs in a few seconds). Any Python exception
escaping it, an engine InvariantViolation included, fails the test.
"""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.headless import main_run
from engine.script import GRAMMAR

SCRIPT = Path("fuzz.objcg")  # the script file every test writes: in pytest's tmp (below)
ERROR_LINE = re.compile(r"(?P<file>.+?):(?P<line>[0-9]+): error: (?P<what>.+)")
FAST = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def script_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    global SCRIPT
    SCRIPT = tmp_path_factory.mktemp("fuzz") / "fuzz.objcg"


def run_bytes(data: bytes, as_json: bool = False, check: bool = False) -> tuple[int, str, str]:
    SCRIPT.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    code = main_run(str(SCRIPT), as_json, out, err, check=check)
    return code, out.getvalue(), err.getvalue()


def assert_ran_or_one_error(data: bytes, code: int, err: str) -> re.Match[str] | None:
    """Exit 0 and silence on stderr, or exit 2 with one located error line."""
    if code == 0:
        assert err == ""
        return None
    assert code == 2, (code, err)
    assert err.endswith("\n") and err.count("\n") == 1, err
    match = ERROR_LINE.fullmatch(err[:-1])
    assert match is not None and match["file"] == str(SCRIPT), err
    assert 1 <= int(match["line"]) <= data.count(b"\n") + 1, err
    assert "Traceback" not in err
    return match


# -- random bytes --------------------------------------------------------------------------

@FAST
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    code, _, err = run_bytes(data)
    assert_ran_or_one_error(data, code, err)


# -- random tokens: real words in the wrong places, and absurd numbers ---------------------

HUGE = ["9" * 4299, "9" * 4300, "1" + "0" * 5000, "0" * 6000 + "7", "18446744073709551616",
        "18446744073709551615", "9223372036854775807", "99999999999999999999999"]
NUMBERS = st.one_of(
    st.integers(-2**70, 2**70).map(str),
    st.sampled_from(HUGE),
    st.tuples(st.sampled_from(HUGE + ["1", "0", "4095", "4096", "8"]),
              st.sampled_from(["", "K", "M", "G", "k", "T", "KK"])).map("".join),
    st.sampled_from(["max", "0", "-0", "-1", "0x10", "1e3", "\u0663", "1_000", "+5", ""]),
)
WORDS = st.one_of(
    NUMBERS,
    st.sampled_from(["A", "/A", "A/B", "/", "//", "A#2", "/A#2", "..", "1A", "t", "u", "X0",
                     "X1", "none", "memory.max", "memory.high", "memory.limit_in_bytes",
                     "memory.kmem.limit_in_bytes", "memory.use_hierarchy", "-1", "P0",
                     "GFP_KERNEL", "GFP_NOWAIT",
                     "GFP_KERNEL|__GFP_NOFAIL", "#", "# note", "\ufeff", "\x00", "\x0c"]),
    st.text(max_size=6),
)
OPTIONS = st.tuples(
    st.sampled_from(["cpu", "task", "gfp", "cpus", "page_size", "cgroup", "kernel",
                     "accounting", "bogus"]),
    st.one_of(WORDS, st.sampled_from(["0", "1", "t", "v1", "v2", "5.9", "slab", "bytes"])),
).map(lambda kv: f"{kv[0]}={kv[1]}")
LINES = st.tuples(
    st.sampled_from([*GRAMMAR, "frob", "\ufeffmkdir", "#"]),
    st.lists(st.one_of(WORDS, OPTIONS), max_size=5),
).map(lambda cmd: " ".join([cmd[0], *cmd[1]]))
# a set-up that makes most commands meaningful, so the command layer is reached too
SETUP = ["mkdir A", "mkdir A/B", "task t A", "kthread k", "alloc X0 100 task=t cpu=0"]
SETUPS = [[], SETUP, ["config cgroup=v1", "write / memory.use_hierarchy 1", *SETUP,
                      "alloc_pages P0 1 task=t cpu=1"]]


@FAST
@given(st.sampled_from(SETUPS), st.lists(LINES, min_size=1, max_size=8), st.booleans(),
       st.booleans())
def test_random_token_lines(setup: list[str], lines: list[str], as_json: bool,
                            check: bool) -> None:
    text = "\n".join(setup + lines) + "\n"
    data = text.encode("utf-8", "surrogatepass")
    code, _, err = run_bytes(data, as_json, check)
    assert_ran_or_one_error(data, code, err)


# -- every number slot with absurd values: one error naming the limit ------------------------

SLOTS = [
    ("alloc X9 {} task=t cpu=0", "size"),
    ("charge /A {} cpu=0", "size"),
    ("uncharge /A {} cpu=0", "size"),
    ("drain cpu={}", "cpu"),
]


@pytest.mark.parametrize("template, what", SLOTS, ids=[w for _, w in SLOTS])
@pytest.mark.parametrize("number", ["9" * 4300, "9" * 4299 + "M", "1" + "0" * 30, "2" * 21 + "K"],
                         ids=["4300 digits", "4299 digits M", "10^30", "21 digits K"])
def test_huge_numbers_are_one_error_naming_the_limit(template: str, what: str,
                                                     number: str) -> None:
    text = "\n".join(SETUP + [template.format(number)]) + "\n"
    code, _, err = run_bytes(text.encode())
    match = assert_ran_or_one_error(text.encode(), code, err)
    assert match is not None and int(match["line"]) == len(SETUP) + 1
    assert what in match["what"]
    if what == "cpu" and number[-1].isalpha():
        assert "is not a whole number" in match["what"]
    else:
        assert re.search(r"2\^64 - 1|far too large", match["what"]), err
    assert len(err) < 600  # the number is not echoed in full


@pytest.mark.parametrize("line, limit", [
    ("alloc X9 4M task=t cpu=0", None),  # KMALLOC_MAX_SIZE itself is allowed
    ("alloc X9 4194305 task=t cpu=0", "KMALLOC_MAX_SIZE, 4194304 bytes"),
    ("charge /A 5M cpu=0", "KMALLOC_MAX_SIZE, 4194304 bytes"),
    ("uncharge /A 1G cpu=0", "KMALLOC_MAX_SIZE, 4194304 bytes"),
    ("config cpus=99999999999999999999", "far too large"),
    ("config page_size=" + "4" * 5000, "far too large"),
])
def test_sizes_no_allocation_can_have(line: str, limit: str | None) -> None:
    lines = [line] if line.startswith("config") else SETUP + [line]
    data = ("\n".join(lines) + "\n").encode()
    code, _, err = run_bytes(data)
    if limit is None:
        assert code == 0, err
        return
    match = assert_ran_or_one_error(data, code, err)
    assert match is not None and limit in match["what"], err


def test_config_page_size_moves_kmalloc_max_size() -> None:
    data = b"config page_size=65536\nmkdir A\ncharge /A 64M cpu=0\ncharge /A 65M cpu=0\n"
    code, _, err = run_bytes(data)
    match = assert_ran_or_one_error(data, code, err)
    assert match is not None and match["line"] == "4"
    assert "KMALLOC_MAX_SIZE, 67108864 bytes (1024 pages of 65536)" in match["what"]


# -- the smaller input rules ------------------------------------------------------------

def test_a_bom_at_the_start_is_ignored() -> None:
    plain = b"mkdir A\ntask t A\nalloc X 100 task=t cpu=0\n"
    code, out, err = run_bytes(b"\xef\xbb\xbf" + plain, as_json=True)
    assert (code, err) == (0, "")
    assert out == run_bytes(plain, as_json=True)[1]


def test_a_bom_elsewhere_is_shown_not_invisible() -> None:
    code, _, err = run_bytes(b"mkdir A\n\xef\xbb\xbfmkdir B\n")
    assert code == 2 and "2: error: unknown command '\\ufeffmkdir'" in err


def test_a_second_config_is_an_error() -> None:
    data = b"config cpus=4\nconfig cpus=2\n"
    code, _, err = run_bytes(data)
    match = assert_ran_or_one_error(data, code, err)
    assert match is not None and match["line"] == "2" and "only once" in match["what"]


def test_lines_are_numbered_at_newlines_only() -> None:
    # a form feed is whitespace inside a line, not a line break (str.splitlines says it is)
    data = b"mkdir A\x0c\ntask t A\r\nfrob\n"
    code, _, err = run_bytes(data)
    assert code == 2 and f"{SCRIPT}:3: error: unknown command 'frob'" in err


def test_not_utf8_names_its_line() -> None:
    data = b"mkdir A\nmkdir B\nmkdir \xff\n"
    code, _, err = run_bytes(data)
    match = assert_ran_or_one_error(data, code, err)
    assert match is not None and match["line"] == "3" and "not UTF-8" in match["what"]


def test_memory_max_zero_and_the_clamp() -> None:
    data = (b"mkdir A\nwrite A memory.max 0\nwrite A memory.max 1G\n"
            b"write A memory.max 9223372036854775807\n")
    code, out, err = run_bytes(data, as_json=True)
    assert (code, err) == (0, "")
    assert '"max": null' in out and "PAGE_COUNTER_MAX (2251799813685247 pages)" in out
    # page_counter_memparse reads no size in "-1" (memparse has no sign): -EINVAL, a result
    code, out, err = run_bytes(b"mkdir A\nwrite A memory.max -1\n", as_json=True)
    assert (code, err) == (0, "") and '"ret": -22' in out


@pytest.mark.parametrize("number", ["9" * 4300, "9" * 4299 + "M", "1" + "0" * 30, "2" * 21 + "K"],
                         ids=["4300 digits", "4299 digits M", "10^30", "21 digits K"])
def test_huge_limits_wrap_as_memparse_does_with_a_note(number: str) -> None:
    """memparse() wraps around 2^64 silently (lib/kstrtox.c _parse_integer keeps going,
    the suffix shift drops the high bits): the write succeeds, and a note says so."""
    code, out, err = run_bytes(f"mkdir A\nwrite A memory.max {number}\n".encode(), as_json=True)
    assert (code, err) == (0, "")
    notes = json.loads(out)["results"][-1]["notes"]
    assert len(notes) == 1 and "memparse wraps it around" in notes[0] and len(notes[0]) < 300
