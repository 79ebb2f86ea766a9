"""`objcg-lab serve [--port N] [--host H] [--max-sessions N] [--data DIR]
[explore [FILE] | lesson [N] | replay FILE]`: the explorer, a lesson or a replay in
students' browsers, one process per tab.

Everything a session needs is checked here, before the server starts, so that a bad
file or a taken port is one line on stderr and exit status 2, never a page that fails.
"""
from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 20
LOOPBACK = "127.0.0.1"


def add_parser(sub: Any) -> None:
    serve = sub.add_parser(
        "serve", help="serve the explorer, a lesson or a replay to browsers (one session per tab)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"TCP port (default {DEFAULT_PORT})")
    serve.add_argument("--host", default=None,
                       help=f"address to listen on (default {LOOPBACK}: this machine only)")
    serve.add_argument("--max-sessions", type=int, default=DEFAULT_MAX_SESSIONS, metavar="N",
                       help=f"browser tabs served at once (default {DEFAULT_MAX_SESSIONS})")
    serve.add_argument("--data", metavar="DIR",
                       help="folder for what students save or record, one tab-N folder per "
                            "session (default: a new temporary folder, printed at start)")
    serve.add_argument("what", nargs="*", metavar="explore [FILE] | lesson [N] | replay FILE",
                       help="what each tab opens (default: the explorer's built-in scenario)")


def session_argv(what: list[str], err: TextIO) -> tuple[list[str], str] | None:
    """The session command line and the page title, once FILE or N is known to load."""
    mode, rest = (what[0], what[1:]) if what else ("explore", [])
    if mode not in ("explore", "lesson", "replay") or len(rest) > 1 or \
            (mode == "replay" and not rest):
        print("objcg-lab serve: error: serve what? explore [FILE] | lesson [N] | replay FILE",
              file=err)
        return None
    child = [mode]
    if mode == "explore" and rest:
        from engine.script import ScriptError
        from tui.session import LoadError, Session

        try:
            Session.from_file(rest[0])
        except (LoadError, ScriptError) as problem:
            print(problem, file=err)
            return None
        child.append(os.path.abspath(rest[0]))
    elif mode == "lesson" and rest:
        from tui.lesson.cli import resolve

        found = resolve(rest[0])
        if found is None:
            print(f"objcg-lab serve: error: no lesson '{rest[0]}' (objcg-lab lesson lists them)",
                  file=err)
            return None
        child.append(os.path.abspath(found))
    elif mode == "replay":
        from tui.export.source import SourceError, read

        try:
            loaded = read(rest[0])
        except SourceError as problem:
            print(problem, file=err)
            return None
        if loaded.problem:
            print(loaded.problem, file=err)
            return None
        child.append(os.path.abspath(rest[0]))
    title = "objcg-lab " + " ".join([mode, *(os.path.basename(r) for r in rest)])
    return ["-m", "tui.serve.child", *child], title


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_warning(host: str, max_sessions: int) -> str | None:
    """The warning printed when the server listens beyond this machine."""
    if is_loopback(host):
        return None
    return (f"objcg-lab serve: warning: listening on {host}: anyone who can reach this "
            f"address can open sessions (up to {max_sessions}); there is no login")


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port, checked by binding it once."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"objcg-lab serve: error: --host {host}: {exc.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"objcg-lab serve: error: port {port} on {host} is already in use "
                        "(another server?); choose another with --port N")
            return f"objcg-lab serve: error: cannot listen on {host}:{port}: {exc.strerror}"
    return None


def data_folder(given: str | None, err: TextIO) -> Path | None:
    from tui.outfiles import OutputError, ready_dir

    if given is None:
        return Path(tempfile.mkdtemp(prefix="objcg-lab-class-"))
    try:
        return ready_dir(given).resolve()
    except OutputError as problem:
        print(problem, file=err)
        return None


def main_serve(args: argparse.Namespace, out: TextIO = sys.stdout,
               err: TextIO = sys.stderr) -> int:
    host = LOOPBACK if args.host is None else args.host
    if not 0 < args.port < 65536:
        print(f"objcg-lab serve: error: --port {args.port}: not a TCP port (1-65535)", file=err)
        return 2
    if args.max_sessions < 1:
        print(f"objcg-lab serve: error: --max-sessions {args.max_sessions}: at least 1",
              file=err)
        return 2
    session = session_argv(args.what, err)
    if session is None:
        return 2
    problem = port_problem(host, args.port)
    if problem:
        print(problem, file=err)
        return 2
    data = data_folder(args.data, err)
    if data is None:
        return 2
    warning = host_warning(host, args.max_sessions)
    if warning:
        print(warning, file=err)

    from tui.serve.server import ClassroomServer
    from tui.serve.sessions import SessionPlan

    argv, title = session
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{args.port}/"
    announce = [
        f"{title}: open {url} in a browser, one session per tab (at most {args.max_sessions})",
        f"students' saves and recordings go to {data}{os.sep}tab-N{os.sep}",
        "Ctrl+C stops the server and every session",
    ]
    with tempfile.TemporaryDirectory(prefix="objcg-lab-serve-state-") as state:
        plan = SessionPlan(argv, data, Path(state), Path(__file__).resolve().parents[2],
                           args.max_sessions)
        server = ClassroomServer(plan, host=host, port=args.port, title=title,
                                 announce=announce)
        try:
            server.serve()
        except OSError as exc:  # the port was taken between the check and the start
            print(f"objcg-lab serve: error: cannot listen on {host}:{args.port}: "
                  f"{exc.strerror or exc}", file=err)
            return 2
    return 0
