"""`objcg-lab [explore [FILE]] [--record FILE]`: load, then open the explorer."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Callable

from engine import Machine, ScriptError
from engine.recording import is_recording
from tui import scenarios
from tui.app import ExplorerApp
from tui.outfiles import OutputError
from tui.record import Tape, open_recording, recording_greeting
from tui.session import BIG_SCRIPT, LoadError, Session, read_script

if TYPE_CHECKING:
    from tui.loading import Loader


def main_explore(path: str | None, record: str | None = None, projector: bool = False,
                 dwell: float | None = None) -> int:
    """2 and a one-line error for a bad FILE."""
    loader, tape, problem = None, None, None
    try:
        if path is None:
            session = Session.from_text(scenarios.default_text(), scenarios.DEFAULT_NAME)
            start = scenarios.opening(session)
            greeting = ("Built-in scenario, stopped before its last command: press n to step into "
                        "rmdir A/B and watch objcg /A/B move to /A.  ? help")
        else:
            text = read_script(path)
            if is_recording(text):  # its marks, branches and comments come along
                session, tape, problem = open_recording(text, path)
                start, greeting = None, recording_greeting(path, session, tape, problem)
            elif text.count("\n") > BIG_SCRIPT and record is None:  # first frame at once
                session, start, greeting = Session(Machine(), path), None, ""
                loader = _loader(text, path)
            else:
                session = Session.from_text(text, path)
                start, greeting = None, opened(path, session)
    except (LoadError, ScriptError, OutputError) as err:
        print(err, file=sys.stderr)
        return 2
    tape = tape or Tape()
    tape.dwell = dwell
    if record is not None:
        try:
            greeting = f"{tape.start(record, session)}.  ? help"
        except OutputError as err:
            print(err, file=sys.stderr)
            return 2
    app = ExplorerApp(session, start_at=start, greeting=greeting, tape=tape, loader=loader,
                      projector=projector)
    code = app.run()
    if app.load_error:
        print(app.load_error, file=sys.stderr)
        return 2
    if tape.recording:
        print(tape.stop(app.session))
    if problem:
        print(problem, file=sys.stderr)
        return 2
    return code or 0


def _loader(text: str, path: str) -> Loader:
    def load(progress: Callable[[int, int], None]) -> tuple[Session, str]:
        session = Session.from_text(text, path, progress)
        return session, opened(path, session)

    return load


def opened(path: str, session: Session) -> str:
    """The greeting for a script opened at its end."""
    prelude = session.machine.prelude
    if prelude:
        return (f"{path}: {len(session.machine.commands):,} commands run, the first {prelude:,} "
                f"fast (no history): home goes back to command {prelude + 1:,}, n/b step.  ? help")
    return f"{path}: {len(session.machine.commands)} commands run; home goes back to the " \
           "start, n/b step.  ? help"
