"""The recording format (engine.recording): render/load round trip, positions, and every
kind of bad input giving one FILE:LINE line while the valid part still replays."""
from __future__ import annotations

from engine import Machine
from engine.recording import HEADER, Mark, load, render

SCRIPT = ["config cpus=2", "mkdir A", "task t A", "alloc X0 100 task=t cpu=0",
          "free X0 cpu=1", "move t /", "rmdir A"]


def machine(lines: list[str] = SCRIPT) -> Machine:
    m = Machine()
    for n, line in enumerate(lines, 1):
        m.run_line(line, "<t>", n)
    return m


def commands(m: Machine) -> list[tuple[str, int, int]]:
    return [(c.command.text, c.first, c.end) for c in m.commands]


def recording(body: str) -> str:
    return f"{HEADER}\n{body}#@ end\n"


def test_round_trip_keeps_commands_marks_and_every_state() -> None:
    m = machine()
    alloc = m.commands[3]
    marks = [Mark(0, "chapter", "Start", ("Before anything.",)),
             Mark(alloc.first + 2, "pause"),
             Mark(alloc.first + 2, "chapter", "Inside alloc"),
             Mark(alloc.end, "chapter", "After alloc", ("one", "two")),
             Mark(m.commands[-1].end, "pause")]
    text = render(commands(m), marks, source="<t>", title="A title", intro=("Intro.",))
    loaded = load(text, "rec.objcg")
    assert loaded.problem is None
    assert loaded.title == "A title" and loaded.intro == ("Intro.",)
    got = [(k.cursor, k.kind, k.title, k.notes) for k in loaded.marks]
    want = [(k.cursor, k.kind, k.title, k.notes) for k in marks]
    assert sorted(got) == sorted(want)
    assert render(commands(loaded.machine), loaded.marks, source="<t>", title="A title",
                  intro=("Intro.",)) == text  # stable: writing what was read gives the same text
    replay = loaded.machine
    assert len(replay.steps) == len(m.steps)
    for cursor in range(len(m.steps) + 1):
        m.goto(cursor)
        replay.goto(cursor)
        assert replay.snapshot() == m.snapshot(), cursor


def test_directives_are_comments_for_a_headless_run() -> None:
    m = machine()
    text = render(commands(m), [Mark(3, "chapter", "x")])
    plain = Machine()
    for n, line in enumerate(text.splitlines(), 1):
        plain.run_line(line, "<t>", n)
    assert plain.snapshot() == m.snapshot()


def test_steps_are_placed_within_their_command() -> None:
    m = machine()
    rec = m.commands[3]
    text = render(commands(m), [Mark(rec.first + 1, "pause")])
    assert "alloc X0 100 task=t cpu=0\n#@ pause step=1\n" in text
    assert load(text, "r").marks[0].cursor == rec.first + 1


def test_not_a_recording_is_fatal_with_one_line() -> None:
    loaded = load("mkdir A\n", "s.objcg")
    assert loaded.fatal and loaded.problem is not None
    assert loaded.problem.startswith("s.objcg:1: error: not an objcg-lab recording")
    assert "\n" not in loaded.problem
    assert load("", "e").fatal
    newer = load("# objcg-lab recording v2\n#@ end\n", "n")
    assert newer.fatal and "v2" in (newer.problem or "")


def test_invalid_command_in_the_middle_keeps_what_comes_before() -> None:
    text = recording("mkdir A\ntask t A\nalocc X 1\nmkdir B\n")
    loaded = load(text, "r.objcg")
    assert loaded.problem is not None and loaded.problem.startswith("r.objcg:4: error: unknown command")
    assert [c.command.text for c in loaded.machine.commands] == ["mkdir A", "task t A"]
    assert not loaded.fatal


def test_a_command_the_engine_refuses_is_located_too() -> None:
    loaded = load(recording("mkdir A\nfree NOPE cpu=0\n"), "r")
    assert loaded.problem is not None and loaded.problem.startswith("r:3: error:")
    assert len(loaded.machine.commands) == 1


def test_truncated_recordings() -> None:
    full = recording("mkdir A\n#@ chapter One\nmkdir AB\n")
    no_end = full[: full.index("#@ end")]
    loaded = load(no_end, "r")
    assert loaded.problem is not None and "no '#@ end' line" in loaded.problem
    assert len(loaded.machine.commands) == 2 and loaded.chapters()[0].title == "One"
    cut = full[: full.index("mkdir AB") + len("mkdir A")]  # cut in the middle of a line
    loaded = load(cut, "r")
    assert loaded.problem is not None and loaded.problem.startswith("r:4: error: the last line")
    assert [c.command.text for c in loaded.machine.commands] == ["mkdir A"]


def test_bad_directives() -> None:
    cases = {
        "#@ chapter\n": "needs a title",
        "#@ pase\n": "unknown directive",
        "mkdir A\n#@ pause step=99\n": "past the end",
        "#@ pause step=2\n": "before the first command",
        "#@ pause now\n": "takes only step=M",
        "#@ note\n": "needs a text",
        "mkdir A\n#@ chapter step=abc Title\n": "'step=abc' is not a micro-step",
        "mkdir A\n#@ chapter step=-1 Title\n": "'step=-1' is not a micro-step",
        "mkdir A\n#@ pause step=1.5\n": "'step=1.5' is not a micro-step",
        "mkdir A\n#@ chapter step= Title\n": "'step=' is not a micro-step",
    }
    for body, message in cases.items():
        loaded = load(recording(body), "r")
        assert loaded.problem is not None and message in loaded.problem, (body, loaded.problem)
        line = 1 + recording(body).split("\n").index(body.split("\n")[-2])
        assert loaded.problem.startswith(f"r:{line}: error: "), (body, loaded.problem)
        assert not loaded.marks  # nothing of the bad line is taken into a chapter
    steps = load(recording("mkdir A\n#@ chapter Steps of mkdir\n"), "r")
    assert steps.problem is None and steps.chapters()[0].title == "Steps of mkdir"
    after = load(f"{HEADER}\nmkdir A\n#@ end\nmkdir B\n", "r")
    assert after.problem is not None and "after '#@ end'" in after.problem


def test_notes_before_any_chapter_are_the_intro() -> None:
    loaded = load(recording("#@ note Hello.\nmkdir A\n#@ chapter C\n#@ note Body.\n"), "r")
    assert loaded.problem is None
    assert loaded.intro == ("Hello.",) and loaded.chapters()[0].notes == ("Body.",)


def test_render_is_deterministic_and_has_no_timestamps() -> None:
    m = machine()
    marks = [Mark(5, "chapter", "  spaced   title "), Mark(2, "pause")]
    a = render(commands(m), marks)
    assert a == render(commands(m), list(reversed(marks)))
    assert "#@ chapter spaced title" in a
    assert a.startswith(HEADER + "\n") and a.endswith("#@ end\n")
