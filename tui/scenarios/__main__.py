"""`python3 -m tui.scenarios [MEMCGS [OBJCGS [CPUS]]] > big.objcg`: a big scenario to explore."""
from __future__ import annotations

import argparse
import sys

from tui.scenarios import scale_script


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m tui.scenarios",
        description="Print a big scenario script (live memcgs, objcgs kept alive by objects "
                    "of removed cgroups, CPUs) to explore or benchmark: "
                    "python3 -m tui.scenarios 1000 10000 8 > big.objcg")
    parser.add_argument("memcgs", nargs="?", type=int, default=1000, help="live memcgs (1000)")
    parser.add_argument("objcgs", nargs="?", type=int, default=10000, help="objcgs (10000)")
    parser.add_argument("cpus", nargs="?", type=int, default=8, help="CPUs (8)")
    args = parser.parse_args(argv)
    for name, least in (("memcgs", 1), ("objcgs", 0), ("cpus", 1)):
        if getattr(args, name) < least:
            parser.error(f"{name} must be at least {least}")
    try:
        sys.stdout.write(scale_script(args.memcgs, args.objcgs, args.cpus))
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
