"""The explorer's moves through time: step, command, jump, play and its speed."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual.timer import Timer

from tui import present
from tui.record import Tape
from tui.session import Session
from tui.widgets.memcg_tree import MemcgTree
from tui.world import changed

if TYPE_CHECKING:
    from tui.drawing import Drawing as _Base
else:
    _Base = object

SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 60.0)


class TimeKeys(_Base):
    """Mixed into ExplorerApp (after Drawing): n/b, N/B, home/end, space, +/-."""

    session: Session
    tape: Tape
    playing: bool
    speed: float
    _timer: Timer | None

    def action_micro(self, delta: int, _src: str = "") -> None:
        step = self.session.step() if delta > 0 else self.session.back()
        if step is not None:
            self.redraw(relayout=present.structural(changed(step.changes)), follow=True)
            if not self.playing:
                self.tape.moved(self.session)
        elif not self.playing:
            self.say("at the end of history: type a command with :" if delta > 0
                     else "at the start: nothing to undo")

    def action_command(self, delta: int, _src: str = "") -> None:
        """N: to the end of the next command (the one under way, or the one ahead); B:
        to the start of the previous one (the one under way, or the one just done)."""
        s = self.session
        self.playing = False
        if delta > 0:
            s.next_command() if self.ahead() is None else s.goto(self.ahead().end)  # type: ignore[union-attr]
        else:
            s.prev_command()
        self.tape.moved(s)
        if delta < 0:
            self.stand_before_command()
        self.redraw(relayout=True, follow=True)

    def action_jump(self, where: str, _src: str = "") -> None:
        self.session.goto(0 if where == "start" else self.session.total)
        self.tape.moved(self.session)
        self.playing = False
        if where == "start":
            self.stand_before_command()
        self.redraw(relayout=True)

    def action_play(self, _src: str = "") -> None:
        if not self.playing and self.session.at_end:
            self.say("at the end of history: type a command, or go back with b / B / home")
            return
        self.playing = not self.playing
        if not self.playing:
            self.tape.paused(self.session)

    def action_other_branch(self) -> None:
        """y: switch to the newest other branch (the future left last), like an editor's
        redo after an undo and a change; pressed again, it switches back."""
        s = self.session
        if not s.branches:
            self.say("no other branches: a command typed while stepped back makes one")
            return
        self.playing = False
        said = s.switch(len(s.branches))
        problem = self.tape.committed(s)
        self.redraw(relayout=True, follow=True)
        self.say(problem or said, error=bool(problem))

    def action_speed(self, delta: int) -> None:
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, i + delta))]

    def watch_playing(self, playing: bool) -> None:
        if self._timer is not None:
            self._timer.resume() if playing else self._timer.pause()
        self.show_position(playing, self.speed)
        self.expire_message()

    def watch_speed(self, speed: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_interval(1 / speed, self._tick, pause=not self.playing)
        self.show_position(self.playing, speed)

    def _tick(self) -> None:
        if not self.query(MemcgTree):  # quitting while playing: the panels are gone
            return
        if self.session.at_end:
            self.playing = False
            return
        self.action_micro(1)
        said = self.tape.arrival(self.session.cursor)  # a chapter or a recorded pause
        if said:
            self.playing = False
            self.say(said)
