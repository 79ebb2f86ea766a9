"""What one browser session runs: `python -m tui.serve.child explore [FILE] | lesson [PATH]
| replay FILE`. The server has already checked FILE or PATH, and made them absolute.

The lesson player's command (`objcg-lab lesson`) wants a terminal on stdin and stdout;
a served session talks through pipes to textual-serve, so the apps are opened directly.
"""
from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    mode, rest = argv[0], argv[1:]
    target = rest[0] if rest else None
    if mode == "explore":
        from tui.launch import main_explore

        return main_explore(target)
    if mode == "lesson":
        from tui.lesson.app import LessonApp

        LessonApp(target).run()
        return 0
    if mode == "replay" and target is not None:
        from tui.replay import main_replay

        return main_replay(target)
    print(f"objcg-lab serve: error: unknown session '{' '.join(argv)}'", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
