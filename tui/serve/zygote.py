"""The fork server: `python -m tui.serve.zygote FD STATE_DIR MODE [FILE]`, started by
`objcg-lab serve`, imports everything a session needs once, then forks a session
process for each request that comes on the socket FD (a request carries the three
pipes the session gets as stdin, stdout and stderr). A fork shares those imports with
every other session: it starts in a fraction of the time, and in less memory, than a
new Python would.

It is also what cleans up when the server cannot: when the socket closes (the server
exited, however it exited, SIGKILL included) or on SIGTERM/SIGHUP/SIGINT, it kills
every session it forked, removes the folders of sessions that saved nothing and the
server's private state folder, and exits. Each session is in a process group of its
own and gets SIGKILL from the kernel if the zygote itself dies (PR_SET_PDEATHSIG).

Messages are JSON, one per datagram of a SOCK_SEQPACKET socket:
  server -> zygote  {"op": "spawn"} + 3 fds        zygote -> server  {"op": "spawned", "pid": N}
                    {"op": "tab", "pid": N, "work": DIR}           or {"op": "failed", "error": E}
                                                                     {"op": "exited", "pid": N, "status": S}
"""
from __future__ import annotations

import ctypes
import json
import os
import selectors
import shutil
import signal
import socket
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1  # prctl option: a signal to the process when its parent dies
MAX_DATAGRAM = 64 * 1024


def send(sock: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode("utf-8")
    if fds:
        socket.send_fds(sock, [data], fds)
    else:
        sock.send(data)


class Zygote:
    def __init__(self, sock: socket.socket, state_dir: Path, argv: list[str]) -> None:
        self.sock, self.state_dir, self.argv = sock, state_dir, argv
        self.children: dict[int, Path | None] = {}  # pid -> its tab's folder, once known
        self.selector = selectors.DefaultSelector()
        self.wakeup_r, self.wakeup_w = os.pipe()
        self.stopping = False

    def serve(self) -> None:
        os.set_blocking(self.wakeup_w, False)
        signal.set_wakeup_fd(self.wakeup_w)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, lambda *_: None)  # noticed through the wakeup fd
        self.selector.register(self.sock, selectors.EVENT_READ)
        self.selector.register(self.wakeup_r, selectors.EVENT_READ)
        send(self.sock, {"op": "ready", "pid": os.getpid()})
        while not self.stopping:
            for key, _ in self.selector.select():
                if key.fileobj is self.sock:
                    self.on_request()
                else:
                    self.on_signals(os.read(self.wakeup_r, 64))
        self.shut_down()

    def on_request(self) -> None:
        try:
            data, fds, _, _ = socket.recv_fds(self.sock, MAX_DATAGRAM, 3)
        except OSError:
            data, fds = b"", []
        if not data:  # the server is gone
            self.stopping = True
            return
        try:
            message = json.loads(data)
        except ValueError:
            message = {}
        if message.get("op") == "spawn" and len(fds) == 3:
            self.spawn(fds)
        elif message.get("op") == "tab" and message.get("pid") in self.children:
            self.children[message["pid"]] = Path(message["work"])
        for fd in fds:
            os.close(fd)

    def spawn(self, fds: list[int]) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as error:
            send(self.sock, {"op": "failed", "error": os.strerror(error.errno or 0),
                             "errno": error.errno})
            return
        if pid == 0:
            self.become_session(fds)  # never returns
        self.children[pid] = None
        send(self.sock, {"op": "spawned", "pid": pid})

    def become_session(self, fds: list[int]) -> None:
        code = 1
        try:
            zygote = os.getppid()
            os.setsid()  # its own process group: stopping it stops all it started
            _die_with_parent()
            if os.getppid() != zygote:  # the zygote died before prctl took effect
                os._exit(1)
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
            for fd in (*fds, self.wakeup_r, self.wakeup_w):
                os.close(fd)
            self.sock.close()
            self.selector.close()
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            from tui.serve.child import run_session

            code = run_session(self.argv)
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
        except BaseException as error:  # one line for the server's log, not a traceback
            print(f"{type(error).__name__}: {error}", file=sys.stderr)
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)

    def on_signals(self, signals: bytes) -> None:
        if any(s in signals for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)):
            self.stopping = True
        self.reap()

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.pop(pid, None)
            if not self.stopping:
                try:
                    send(self.sock, {"op": "exited", "pid": pid,
                                     "status": os.waitstatus_to_exitcode(status)})
                except OSError:
                    self.stopping = True

    def shut_down(self) -> None:
        """Every session killed and reaped, nothing of theirs left but saved files."""
        for pid in self.children:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for pid, work in self.children.items():
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            if work is not None:
                remove_if_empty(work)
        shutil.rmtree(self.state_dir, ignore_errors=True)


def remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()  # only an empty folder: what a student saved stays
    except OSError:
        pass


try:  # looked up once, in the zygote: each fork only calls it
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux: the zygote's own shutdown stops sessions
    _prctl = None


def _die_with_parent() -> None:
    """If the zygote is killed outright, the kernel kills the session (SIGKILL: a busy
    session would let SIGTERM wait behind its queue)."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def main(argv: list[str]) -> int:
    fd, state_dir, session_argv = int(argv[0]), Path(argv[1]), argv[2:]
    sock = socket.socket(fileno=fd)
    os.chdir(state_dir)  # a warm session's working directory until its tab comes
    try:
        from tui.serve.child import preload

        preload(session_argv)
    except Exception as error:  # one line in the teacher's terminal; the server says more
        print(f"objcg-lab serve: the session fork server cannot start: "
              f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    Zygote(sock, state_dir, session_argv).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
