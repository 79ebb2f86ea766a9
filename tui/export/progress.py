"""Progress of a long export: a Rich bar on stderr when stderr is a terminal, nothing
otherwise (a pipe, a log file, a test)."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator


Advance = Callable[..., None]  # advance(done) or advance(done, total)


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Advance]:
    """`with progress_bar("slides", 120) as done: ... done(n)` (n of total finished);
    a total not known yet (None) is given later: done(n, total)."""
    if not sys.stderr.isatty():
        yield lambda _done, _total=None: None
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeRemainingColumn)

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=Console(stderr=True), transient=True)
    with bar:
        task = bar.add_task(label, total=total)
        yield lambda done, total=None: bar.update(task, completed=done, total=total)
