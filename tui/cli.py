"""The `objcg-lab` command. Headless commands import only the engine."""
from __future__ import annotations

import argparse
import os
import sys


LIGHT = ("run", "compare", "explore", "practice", "lesson")  # what the light parser knows


def build_parser(full: bool = True) -> argparse.ArgumentParser:
    """The whole command line; without `full`, without the recording and serving
    commands, whose modules the explorer's start need not import."""
    parser = argparse.ArgumentParser(
        prog="objcg-lab",
        description="See how Linux v5.9 charges sub-page kernel objects to memory cgroups.",
        epilog="Documentation in the repository's docs/: README.md (the index), script.md "
               "(the script language), state.md (the JSON state), lessons.md (the lesson format).")
    projector = "high contrast and no faint text, for a projector in a class"
    parser.add_argument("--projector", action="store_true", help=f"the explorer in {projector}")
    sub = parser.add_subparsers(dest="cmd")
    run = sub.add_parser("run", help="run a scenario script headless",
                         description="Run a scenario script headless. The script language: "
                                     "docs/script.md; the --json state: docs/state.md.")
    run.add_argument("file", help="a .objcg script")
    run.add_argument("--json", action="store_true", help="print results and final state as JSON")
    run.add_argument("--pins", metavar="NAME",
                     help="after the run, every chain of references keeping memcg NAME "
                          "(or objcg:NAME) alive")
    run.add_argument("--check", action="store_true",
                     help="check every invariant after every micro-step (slower; same output)")
    compare = sub.add_parser(
        "compare", help="run a script under several kernel releases side by side",
        description="Run a script under several kernel releases (default 5.8,5.9) and show "
                    "the figures that differ, with the commit behind each difference. "
                    "docs/compare.md and docs/kernels.md.")
    compare.add_argument("file", help="a .objcg script")
    compare.add_argument("--kernels", metavar="A,B,...",
                         help="the releases, in columns (default 5.8,5.9; any of "
                              "5.8, 5.9, 5.10, 5.11, 5.13, 5.14, 6.5, 6.14)")
    compare.add_argument("--json", action="store_true",
                         help='print {"5.8": {results, state}, "5.9": {...}}, one key per release')
    compare.add_argument("--why", action="store_true",
                         help="under each differing figure, the change (release, commit) behind it")
    compare.add_argument("--tui", action="store_true",
                         help="open the side-by-side view (the default on a terminal)")
    compare.add_argument("--check", action="store_true",
                         help="check every invariant after every micro-step (slower; same output)")
    race = sub.add_parser(
        "race", help="run every interleaving of a together block, up to K preemptions",
        description="Search the schedules of a script's together block (docs/races.md): "
                    "every interleaving with at most K preemptions is run from the state "
                    "before the block; outcomes are grouped, each with its shortest schedule "
                    "and a script that reproduces it. Exit 1 if a schedule oopses or breaks "
                    "an invariant.")
    race.add_argument("file", help="a .objcg script with one together block")
    race.add_argument("--bound", type=int, default=2, metavar="K",
                      help="at most K preemptions (default 2, at most 6)")
    race.add_argument("--kernel", metavar="V", help="run under release V (e.g. 5.9, 6.5)")
    race.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    race.add_argument("--rcu-off", action="store_true",
                      help="what if RCU grace periods did not wait for readers (they do): "
                           "shows the races RCU rules out")
    explore = sub.add_parser("explore", help="open the interactive explorer (the default)")
    explore.add_argument("file", nargs="?", help="a .objcg script to load")
    explore.add_argument("--record", metavar="FILE",
                         help="record the session to FILE (a new file), for replay and export")
    explore.add_argument("--dwell", type=float, metavar="SECONDS",
                         help="when recording, staying this long at a point marks a pause "
                              "(default: only P and pausing playback do)")
    explore.add_argument("--projector", action="store_true", default=argparse.SUPPRESS,
                         help=projector)
    if full:
        from tui.export.cli import add_parsers

        add_parsers(sub)
    practice = sub.add_parser(
        "practice", help="generated problems with engine-computed answers (-c prints them)",
        description="Generated problems: a short script, then a question about the state it "
                    "leaves. Deterministic per seed. On a terminal without -c: the practice "
                    "screen (score and streak). The script language: docs/script.md.")
    _topics_in_help(practice)
    practice.add_argument("--seed", type=int, default=0, help="which problems (default 0)")
    practice.add_argument("--topic", metavar="T", help="one topic (default: all, in course order)")
    practice.add_argument("-n", type=int, default=5, metavar="COUNT", help="problems to print (default 5)")
    practice.add_argument("-c", action="store_true", help="print the answers too (OSTEP's -c)")
    lesson = sub.add_parser(
        "lesson", help="list lessons; 'lesson check FILE', 'lesson answers FILE' for teachers",
        description="Play the course (N or NAME), or for teachers: 'check FILE|N|NAME...' "
                    "validates lessons and plays their solutions, 'answers FILE|N|NAME' prints "
                    "the answer key. The lesson format: docs/lessons.md.")
    lesson.add_argument("args", nargs="*", metavar="check FILE | answers FILE | NAME | N")
    lesson.add_argument("--reset", action="store_true",
                        help="forget the learner's progress (of lesson NAME, or all)")
    if full:
        from tui.serve.cli import add_parser as add_serve

        add_serve(sub)
    return parser


def _topics_in_help(practice: argparse.ArgumentParser) -> None:
    """The practice topics in `practice --help`, read only when that help is printed: the
    explorer, the default command, must not import the lessons to open (its first frame
    is measured against a bare Textual app's)."""
    plain = practice.format_help

    def with_topics() -> str:
        from engine.practice_cli import topics_help

        practice.epilog = f"topics: {topics_help()}"
        return plain()

    practice.format_help = with_topics  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = next((a for a in args if not a.startswith("-")), None)
    full = command not in (None, *LIGHT) or any(a in ("-h", "--help") for a in args)
    try:
        return dispatch(build_parser(full).parse_args(args))
    except BrokenPipeError:  # e.g. `objcg-lab run FILE | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130


def dispatch(args: argparse.Namespace) -> int:
    if args.cmd == "run" and args.pins is not None:
        from engine.pins import main_pins

        return main_pins(args.file, args.pins, args.json, sys.stdout, sys.stderr)
    if args.cmd == "run":
        from engine.headless import main_run

        return main_run(args.file, args.json, check=args.check)
    if args.cmd == "race":
        from engine.race import main_race
        from engine.kernel.versions import KERNELS, unknown_kernel_message

        if args.kernel is not None and args.kernel not in KERNELS:
            print(f"race: --{unknown_kernel_message(args.kernel)}", file=sys.stderr)
            return 2
        return main_race(args.file, args.bound, args.kernel, args.json, rcu=not args.rcu_off)
    if args.cmd == "compare":
        if args.json or not (args.tui or sys.stdout.isatty()):
            from engine.compare import main_compare

            return main_compare(args.file, args.json, check=args.check, kernels=args.kernels,
                                why=args.why)
        from tui.compare.app import main_compare_tui

        return main_compare_tui(args.file, args.kernels)
    if args.cmd == "lesson":
        if args.args[:1] in (["check"], ["answers"]):
            from engine.lessons.cli import main_lesson
            from tui.lesson.visibility import screen_problems

            return main_lesson(args.args, screens=screen_problems)
        from tui.lesson.cli import main_play

        return main_play(args.args, reset_progress=args.reset)
    if args.cmd == "practice":
        return _practice(args)
    if args.cmd == "serve":
        from tui.serve.cli import main_serve

        return main_serve(args)
    if args.cmd in ("replay", "export"):
        from tui.export.cli import main_recording

        return main_recording(args)
    from tui.launch import main_explore

    dwell = getattr(args, "dwell", None)
    if dwell is not None and not 0.1 <= dwell <= 3600:
        print(f"error: --dwell {dwell} is out of range (0.1 .. 3600 seconds)", file=sys.stderr)
        return 2
    return main_explore(getattr(args, "file", None), getattr(args, "record", None),
                        projector=getattr(args, "projector", False), dwell=dwell)


def _practice(args: argparse.Namespace) -> int:
    from engine.practice_cli import print_problems

    if args.c or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return print_problems(args.seed, args.topic, args.n, args.c, sys.stdout, sys.stderr)
    from engine.practice import TOPICS

    if args.topic is not None and args.topic not in TOPICS:
        return print_problems(args.seed, args.topic, args.n, False, sys.stdout, sys.stderr)
    from tui.practice import main_practice_tui

    return main_practice_tui(args.seed, args.topic)


if __name__ == "__main__":
    sys.exit(main())
