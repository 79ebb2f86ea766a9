"""Practice problems, as OSTEP's simulators make them: a short generated script, then a
question about the state it leaves; the engine computes the answer.

Deterministic: problem i of seed S is always the same (one `random.Random(S)` drives
everything; no wall clock). Every generated line is run on a fresh Machine while the
script is built, so a script never contains a line the engine refuses.

    problems(seed=1, topic="byte-stock", count=5) -> [Problem, ...]
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from engine import Machine, ScriptError
from engine.diff import changed_fields
from engine.fields import resolve
from engine.lessons.reveal import touches
from engine.steps import describe

# Topics follow the course (lessons/index.toml), in its order.
TOPICS: dict[str, str] = {
    "byte-stock": "the per-CPU byte stock and page batches (lessons 2-3)",
    "nr-charged-bytes": "switching stocks, frees on other CPUs, nr_charged_bytes (lessons 4-5)",
    "slab": "slab accounting: obj_full_size = object size + 8 (lesson 6)",
    "who-pays": "which memcg pays: the walk up, kthreads, remote charging (lesson 7)",
    "reparenting": "rmdir: objcgs move to the parent, objcg_list order (lessons 8-9)",
    "lifetime": "objcg references, kill and release (lessons 10, 12)",
    "limits": "memory.max, failcnt and failed charges (lessons 13-14)",
    "versions": "the same lines under a later release: kernel pages pin objcgs, pages "
                "drained into the page stock, objcgs that pin no memcg (lesson 18)",
}

# the releases a `versions` problem runs under (v5.8 has no obj_cgroup to ask about)
LATER = ("5.9", "5.10", "5.11", "5.13", "5.14", "6.5", "6.14")


@dataclass(frozen=True)
class Question:
    text: str  # "What is cpu1's nr_bytes?"
    field: str | None  # the field reference the answer is read from, or None (pays)
    unit: str | None = None
    pays: str | None = None  # "which memcg pays for object X?": the object's name


@dataclass(frozen=True)
class Problem:
    number: int  # 1-based within the seed
    topic: str
    script: tuple[str, ...]
    question: Question
    answer: Any  # as the JSON state has it: int, str, bool, None or a list

    @property
    def text(self) -> str:
        return "\n".join(self.script)


def answer_of(state: dict[str, Any], question: Question) -> Any:
    """The engine's answer to a question about a JSON state."""
    if question.pays is not None:
        objcg = resolve(state, f"object {question.pays} objcg")
        return None if objcg is None else resolve(state, f"objcg {objcg} memcg")
    assert question.field is not None
    return resolve(state, question.field)


def problems(seed: int = 0, topic: str | None = None, count: int = 5) -> list[Problem]:
    """`count` problems of `topic` (None: topics in turn, in course order)."""
    found = stream(seed, topic)
    return [next(found) for _ in range(count)]


def stream(seed: int = 0, topic: str | None = None) -> Iterator[Problem]:
    """Endless problems: the first `count` are those of problems(seed, topic, count)."""
    if topic is not None and topic not in TOPICS:
        raise ValueError(f"unknown topic '{topic}' (topics: {', '.join(TOPICS)})")
    rng = random.Random(seed)
    names = list(TOPICS)
    number = 0
    while True:
        number += 1
        yield make(rng, topic or names[(number - 1) % len(names)], number)


def make(rng: random.Random, topic: str, number: int) -> Problem:
    """One problem of a topic: its script, built and run line by line, then a question."""
    kernel = rng.choice(LATER) if topic == "versions" else None
    builder = _Builder(rng, accounting="slab" if topic == "slab" else "bytes", kernel=kernel)
    GENERATORS[topic](builder)
    question = builder.question(QUESTIONS[topic])
    return Problem(number, topic, tuple(builder.lines), question,
                   answer_of(builder.machine.snapshot(), question))


class _Builder:
    """A script under construction, with the machine that has run it so far."""

    def __init__(self, rng: random.Random, accounting: str, kernel: str | None = None) -> None:
        self.rng = rng
        self.kernel = kernel
        self.machine = Machine(history=False, check=False)
        self.lines: list[str] = []
        self.objects: list[str] = []
        self.next_object = 0
        cpus = rng.choice((2, 2, 3))
        self.cpus = cpus
        self.add(f"config cpus={cpus}" + (" accounting=slab" if accounting == "slab" else "")
                 + (f" kernel={kernel}" if kernel else ""))

    def add(self, line: str) -> bool:
        """Run a line; keep it if the engine accepts it."""
        try:
            self.machine.run_line(line, "<practice>", len(self.lines) + 1)
        except ScriptError:
            return False
        self.lines.append(line)
        return True

    def cpu(self) -> int:
        return self.rng.randrange(self.cpus)

    def alloc(self, task: str, sizes: tuple[int, ...], gfp: str | None = None) -> str:
        name = f"X{self.next_object}"
        self.next_object += 1
        line = f"alloc {name} {self.rng.choice(sizes)} task={task} cpu={self.cpu()}"
        if self.add(line + (f" gfp={gfp}" if gfp else "")):
            self.objects.append(name)
        return name

    def free(self) -> None:
        if self.objects:
            name = self.objects.pop(self.rng.randrange(len(self.objects)))
            self.add(f"free {name} cpu={self.cpu()}")

    def state(self) -> dict[str, Any]:
        return self.machine.snapshot()

    def question(self, candidates: Callable[[_Builder], list[Question]]) -> Question:
        """A question whose answer exists in the final state."""
        state = self.state()
        used = {int(w[4:]) for line in self.lines for w in line.split() if w.startswith("cpu=")}
        usable = [q for q in candidates(self) if _answerable(state, q)
                  and not (q.field and q.field.startswith("cpu ") and int(q.field.split()[1]) not in used)]
        pick = self.rng.choice(usable)
        if answer_of(state, pick) in (0, None, False, []) and self.rng.random() < 0.6:
            # an empty answer now and then, not half the time
            telling = [q for q in usable if answer_of(state, q) not in (0, None, False, [])]
            pick = self.rng.choice(telling) if telling else pick
        return pick


def reason(problem: Problem) -> list[str]:
    """Why the answer is what it is: the kernel trail lines of the micro-steps that wrote
    the asked figure (for "who pays": the object's objcg and that objcg's memcg), each
    after the script line that ran it, the last ones last."""
    machine = Machine(history=True, check=False)
    state_fields: list[str] = []
    for number, line in enumerate(problem.script, start=1):
        machine.run_line(line, "<practice>", number)
    q = problem.question
    if q.pays is not None:
        state = machine.snapshot()
        objcg = resolve(state, f"object {q.pays} objcg")
        state_fields = [f"object {q.pays} objcg"] + ([f"objcg {objcg} memcg"] if objcg else [])
    elif q.field is not None:
        state_fields = [q.field]
    out = []
    for record in machine.commands:
        for step in machine.steps[record.first:record.end]:
            changed = changed_fields(step.changes)
            if any(touches(changed, f) for f in state_fields):
                out.append(f"{record.command.text}: {describe(step.data)}")
    return out[-REASON_LINES:]


REASON_LINES = 8  # the last writes are the ones that made the answer


def _answerable(state: dict[str, Any], q: Question) -> bool:
    """The answer exists and means something: a freed memcg or a released objcg is only
    asked about its state (its other fields are stale)."""
    try:
        answer_of(state, q)
    except (ValueError, KeyError):
        return False
    if q.field is None:
        return True
    kind, name, field = q.field.split()
    gone = {"memcg": "freed", "objcg": "released"}.get(kind)
    return gone is None or field == "state" or resolve(state, f"{kind} {name} state") != gone


SMALL = (64, 100, 200, 500, 1000, 1500, 2000, 3000, 3500, 4000)


def _two_groups(b: _Builder) -> None:
    for line in ("mkdir A", "mkdir B", "task tA A", "task tB B"):
        b.add(line)


def _byte_stock(b: _Builder) -> None:
    b.add("mkdir A")
    b.add("task tA A")
    for _ in range(b.rng.randint(2, 4)):
        b.alloc("tA", SMALL + (5000, 8192))


def _nr_charged_bytes(b: _Builder) -> None:
    _two_groups(b)
    for _ in range(b.rng.randint(3, 5)):
        roll = b.rng.random()
        if roll < 0.55:
            b.alloc(b.rng.choice(("tA", "tB")), SMALL)
        elif roll < 0.85:
            b.free()
        else:
            b.add(f"drain cpu={b.cpu()}")


def _slab(b: _Builder) -> None:
    b.add("mkdir A")
    b.add("task tA A")
    for _ in range(b.rng.randint(2, 4)):
        if b.rng.random() < 0.75:
            b.alloc("tA", (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4088))
        else:
            b.free()


def _who_pays(b: _Builder) -> None:
    for line in ("mkdir A", "mkdir A/B", "task t A/B", "task tr /", "kthread kt"):
        b.add(line)
    if b.rng.random() < 0.6:
        b.add(f"use_memcg kt {b.rng.choice(('A', 'A/B'))}")
    if b.rng.random() < 0.5:
        b.add("hold A/B")
        b.add("move t /A")
        b.add("rmdir A/B")
    for task in b.rng.sample(["t", "tr", "kt"], 2):
        b.alloc(task, SMALL)


def _reparenting(b: _Builder) -> None:
    for line in ("mkdir A", "mkdir A/B", "mkdir A/C", "task tb A/B", "task tc A/C", "task ta A"):
        b.add(line)
    for _ in range(b.rng.randint(2, 3)):
        b.alloc(b.rng.choice(("ta", "tb", "tc")), SMALL)
    chain = b.rng.random() < 0.4  # then /A goes too, and its inherited objcgs move again
    children = ["B", "C"] if chain else b.rng.sample(["B", "C"], b.rng.randint(1, 2))
    for child in b.rng.sample(children, len(children)):
        b.add(f"move t{child.lower()} /A")
        b.add(f"rmdir A/{child}")
    if chain:  # rmdir refuses a cgroup with tasks or live children: empty /A first
        for task in ("ta", "tb", "tc"):
            b.add(f"move {task} /")
        b.add("rmdir A")


def _lifetime(b: _Builder) -> None:
    _two_groups(b)
    for _ in range(b.rng.randint(2, 3)):
        b.alloc("tA", SMALL)
    if b.rng.random() < 0.5:
        b.add("get /A")
    b.alloc("tB", SMALL)
    b.add("move tA /")
    b.add("rmdir A")
    for _ in range(b.rng.randint(0, 2)):
        b.free()


def _limits(b: _Builder) -> None:
    b.add("mkdir A")
    b.add("task tA A")
    for _ in range(b.rng.randint(1, 2)):
        b.alloc("tA", SMALL)
    b.add(f"write A memory.max {b.rng.choice((8, 16, 40, 64, 128, 160))}K")
    gfp = b.rng.choice((None, "GFP_NOWAIT", "GFP_KERNEL|__GFP_NORETRY"))
    b.alloc("tA", SMALL + (16384, 40960, 65536), gfp)


def _versions(b: _Builder) -> None:
    """Lesson 18's experiment, varied: a page and objects in a child, then its removal."""
    for line in ("mkdir A", "mkdir A/B", "task t A/B"):
        b.add(line)
    if b.rng.random() < 0.7:
        b.add(f"alloc_pages P {b.rng.choice((0, 0, 1))} task=t cpu={b.cpu()}")
    for _ in range(b.rng.randint(1, 3)):
        b.alloc("t", SMALL)
    if b.rng.random() < 0.5:
        b.free()
    b.add("move t /")
    b.add("rmdir A/B")
    if b.rng.random() < 0.3:
        b.add("free P cpu=0")


def _release(b: _Builder, question: Question) -> Question:
    return Question(f"Under v{b.kernel}: {question.text[0].lower()}{question.text[1:]}",
                    question.field, question.unit)


def _cpu_questions(b: _Builder, fields: tuple[str, ...]) -> list[Question]:
    units = {"nr_bytes": "bytes", "nr_pages": "pages"}
    return [Question(f"What is cpu{c}'s {f}?", f"cpu {c} {f}", units.get(f))
            for c in range(b.cpus) for f in fields]


def _memcg(name: str, field: str) -> Question:
    unit = "pages" if field == "usage" else None
    return Question(f"What is memcg {name}'s {field}?", f"memcg {name} {field}", unit)


def _objcg(name: str, field: str) -> Question:
    unit = "bytes" if field == "nr_charged_bytes" else None
    return Question(f"What is objcg {name}'s {field}?", f"objcg {name} {field}", unit)


def _pays(b: _Builder) -> list[Question]:
    names = [o["name"] for o in b.state()["objects"]]
    return [Question(f"Which memcg pays for object {n} (its objcg's memcg, or none)?", None, pays=n)
            for n in names]


QUESTIONS: dict[str, Callable[[_Builder], list[Question]]] = {
    "byte-stock": lambda b: _cpu_questions(b, ("nr_bytes", "nr_pages", "cached_objcg"))
    + [_memcg("/A", "usage")],
    "nr-charged-bytes": lambda b: _cpu_questions(b, ("nr_bytes", "cached_objcg"))
    + [_objcg("/A", "nr_charged_bytes"), _objcg("/B", "nr_charged_bytes"), _memcg("/A", "usage")],
    "slab": lambda b: _cpu_questions(b, ("nr_bytes",)) + [_objcg("/A", "nr_charged_bytes")],
    "who-pays": _pays,
    "reparenting": lambda b: [_objcg(n, "memcg") for n in ("/A/B", "/A/C", "/A")]
    + [_memcg(n, "objcg_list") for n in ("/A", "/")] + [_memcg("/A", "usage"), _memcg("/A/B", "state")],
    "lifetime": lambda b: [_objcg("/A", "refcnt"), _objcg("/A", "state"), _objcg("/A", "nr_charged_bytes"),
                           _memcg("/", "objcg_list")],
    "versions": lambda b: [_release(b, q) for q in (
        _memcg("/A/B", "state"), _memcg("/A", "css_refs"), _memcg("/A", "usage"),
        _objcg("/A/B", "refcnt"), _objcg("/A/B", "state"), *_cpu_questions(b, ("nr_pages",)))],
    "limits": lambda b: [_memcg("/A", "usage"), _memcg("/A", "failcnt"), _memcg("/A", "events_max")]
    + [Question(f"Is object {n} accounted?", f"object {n} accounted")
       for n in [o["name"] for o in b.state()["objects"]][-1:]],
}

GENERATORS: dict[str, Callable[[_Builder], None]] = {
    "byte-stock": _byte_stock, "nr-charged-bytes": _nr_charged_bytes, "slab": _slab,
    "who-pays": _who_pays, "reparenting": _reparenting, "lifetime": _lifetime, "limits": _limits,
    "versions": _versions,
}
