"""`objcg-lab [explore [FILE]] [--record FILE]`: load, then open the explorer."""
from __future__ import annotations

import sys

from engine import ScriptError
from tui import scenarios
from tui.app import ExplorerApp
from tui.record import Tape
from tui.session import LoadError, Session


def main_explore(path: str | None, record: str | None = None) -> int:
    """2 and a one-line error for a bad FILE."""
    try:
        if path is None:
            session = Session.from_text(scenarios.default_text(), scenarios.DEFAULT_NAME)
            start = scenarios.opening(session)
            greeting = ("Built-in scenario, stopped before its last command: press n to step into "
                        "rmdir A/B and watch objcg /A/B move to /A.  ? help")
        else:
            session = Session.from_file(path)
            start, greeting = None, f"{path}: {len(session.machine.commands)} commands run; " \
                                    "home goes back to the start, n/b step.  ? help"
    except (LoadError, ScriptError) as err:
        print(err, file=sys.stderr)
        return 2
    tape = Tape()
    if record is not None:
        from tui.outfiles import OutputError

        try:
            greeting = f"{tape.start(record, session)}.  ? help"
        except OutputError as err:
            print(err, file=sys.stderr)
            return 2
    ExplorerApp(session, start_at=start, greeting=greeting, tape=tape).run()
    if tape.recording:
        print(tape.stop(session))
    return 0
