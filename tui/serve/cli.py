"""`objcg-lab serve [--port N] [--host H] [--max-sessions N] [--data DIR] [--warm N] ...
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
import re
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 20
DEFAULT_WARM = 2
LOOPBACK = "127.0.0.1"
STATE_PREFIX = "objcg-lab-serve-state-"
BASE_PATH = re.compile(r"/([A-Za-z0-9._~-]+/)*")  # safe in a URL and in the page's script
HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?")


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
    serve.add_argument("--warm", type=int, default=DEFAULT_WARM, metavar="N",
                       help=f"sessions forked ahead of their tabs, so that a class opening "
                            f"at once starts fast (default {DEFAULT_WARM})")
    serve.add_argument("--shared-data", action="store_true",
                       help="students' folders and files readable by other users of the "
                            "machine (default: the teacher's only, 0700 and 0600)")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                       help="a name browsers use to reach this server (its DNS name, a "
                            "proxy's public name); repeatable. IP addresses and localhost "
                            "are always allowed")
    serve.add_argument("--base-path", default="/", metavar="/PATH/",
                       help="serve under this path (behind a reverse proxy), e.g. /class/a/")
    serve.add_argument("--behind-proxy", action="store_true",
                       help="trust X-Forwarded-Host and X-Forwarded-For from a reverse proxy "
                            "(only when nothing but the proxy can reach this port)")
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
    return child, title


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


def data_folder(given: str | None, shared: bool, err: TextIO) -> Path | None:
    """The teacher's --data folder (made 0700 when new, unless --shared-data), or a new
    temporary one."""
    from tui.outfiles import OutputError, ready_dir

    if given is None:
        folder = Path(tempfile.mkdtemp(prefix="objcg-lab-class-"))
    else:
        existed = os.path.isdir(given)
        try:
            folder = ready_dir(given).resolve()
        except OutputError as problem:
            print(problem, file=err)
            return None
        if existed:
            return folder
    folder.chmod(0o755 if shared else 0o700)
    return folder


def interface_addresses() -> list[str]:
    """This machine's addresses other than loopback: where students' browsers reach it."""
    import fcntl
    import struct

    found: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            try:  # SIOCGIFADDR: the interface's IPv4 address
                packed = fcntl.ioctl(probe.fileno(), 0x8915,
                                     struct.pack("256s", name.encode()[:15]))
            except OSError:
                continue
            address = socket.inet_ntoa(packed[20:24])
            if not ipaddress.ip_address(address).is_loopback and address not in found:
                found.append(address)
    return found


def sweep_stale_state(tmp: str | None = None) -> None:
    """State folders of servers that are gone (killed with their fork server, both at
    once): nothing else would ever remove them."""
    tmp = tmp or tempfile.gettempdir()
    for entry in os.scandir(tmp):
        if not entry.name.startswith(STATE_PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        pid = entry.name[len(STATE_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or entry.stat(follow_symlinks=False).st_uid != os.getuid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(entry.path, ignore_errors=True)
        except PermissionError:
            pass


def option_problem(args: argparse.Namespace) -> str | None:
    """The first option out of range, as one line."""
    if not 0 < args.port < 65536:
        return f"--port {args.port}: not a TCP port (1-65535)"
    if args.max_sessions < 1:
        return f"--max-sessions {args.max_sessions}: at least 1"
    if not 0 <= args.warm <= 64:
        return f"--warm {args.warm}: 0 to 64 sessions forked ahead"
    if not BASE_PATH.fullmatch(args.base_path):
        return (f"--base-path {args.base_path}: a path such as /class/ or /class/a/ "
                "(letters, digits, . _ ~ -)")
    for name in args.allow_host:
        if not HOST_NAME.fullmatch(name) or len(name) > 253:
            return f"--allow-host {name}: not a host name (such as class.example.edu)"
    return None


def main_serve(args: argparse.Namespace, out: TextIO = sys.stdout,
               err: TextIO = sys.stderr) -> int:
    host = LOOPBACK if args.host is None else args.host
    if args.base_path and not args.base_path.endswith("/"):
        args.base_path += "/"
    problem = option_problem(args)
    if problem:
        print(f"objcg-lab serve: error: {problem}", file=err)
        return 2
    session = session_argv(args.what, err)
    if session is None:
        return 2
    problem = port_problem(host, args.port)
    if problem:
        print(problem, file=err)
        return 2
    data = data_folder(args.data, args.shared_data, err)
    if data is None:
        return 2
    warning = host_warning(host, args.max_sessions)
    if warning:
        print(warning, file=err)

    from tui.serve.forker import SpawnError
    from tui.serve.resources import MIN_CONNECTIONS, connection_budget, raise_fd_limit
    from tui.serve.server import ClassroomServer, Options
    from tui.serve.sessions import SessionPlan, zygote_environment

    fd_limit = raise_fd_limit()
    if connection_budget(fd_limit, 2 * args.max_sessions + 2 + args.warm) < MIN_CONNECTIONS:
        print(f"objcg-lab serve: warning: the file-descriptor limit (ulimit -n {fd_limit}) "
              f"leaves room for few connections beside {args.max_sessions} sessions; raise it "
              "(ulimit -n 4096) or lower --max-sessions", file=err)
    argv, title = session
    port, base = args.port, args.base_path
    if host in ("0.0.0.0", "::"):  # every address: say which ones the students can use
        found = interface_addresses() if host == "0.0.0.0" else []  # (IPv4 ones)
        where = [f"http://{address}:{port}{base}" for address in found]
        url = " or ".join(where) if where else f"http://<this machine's address>:{port}{base}"
    else:
        url = f"http://{f'[{host}]' if ':' in host else host}:{port}{base}"
    announce = [
        f"{title}: open {url} in a browser, one session per tab (at most {args.max_sessions})",
        f"students' saves and recordings go to {data}{os.sep}tab-N{os.sep}",
        "Ctrl+C stops the server and every session",
    ]
    sweep_stale_state()
    state = Path(tempfile.mkdtemp(prefix=f"{STATE_PREFIX}{os.getpid()}-"))
    root = Path(__file__).resolve().parents[2]
    try:
        plan = SessionPlan(argv, data, state, root, args.max_sessions,
                           shared_data=args.shared_data, warm=args.warm,
                           env=zygote_environment(root))
        server = ClassroomServer(plan, Options(
            host=host, port=port, title=title, announce=announce, base_path=base,
            allow_hosts=args.allow_host, behind_proxy=args.behind_proxy, fd_limit=fd_limit))
        try:
            server.serve()
        except SpawnError as exc:
            print(f"objcg-lab serve: error: {exc.strerror or exc}", file=err)
            return 2
        except OSError as exc:  # the port was taken between the check and the start
            print(f"objcg-lab serve: error: cannot listen on {host}:{port}: "
                  f"{exc.strerror or exc}", file=err)
            return 2
    finally:
        shutil.rmtree(state, ignore_errors=True)
    return 0
