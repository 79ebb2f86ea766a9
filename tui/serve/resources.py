"""What the machine can still give: file descriptors and memory.

A server that runs out of file descriptors cannot accept a connection, open a pipe to a
new session or even import a module; one that runs out of memory gets killed. So the
server counts: it takes the whole file-descriptor limit it may (the hard limit), keeps
a reserve for its sessions, and refuses connections past the rest with a clear
message instead of failing inside the event loop; and it starts no session when the
machine has less memory available than a session needs.
"""
from __future__ import annotations

import errno
import os
import resource
from pathlib import Path

MEMINFO = Path("/proc/meminfo")
ACCEPT_BATCH = 64  # connections the event loop may accept at once, before any is refused
FD_RESERVE = 32 + ACCEPT_BATCH  # also: the event loop, zygote, signals, files served, imports
FDS_PER_SESSION = 4  # the session's stdin, stdout and stderr pipes, and one spare
MIN_CONNECTIONS = 16  # below this the limit is too low for a class: said at start
MAX_FDS = 65536  # plenty for any class; the hard limit may be a million
MIN_AVAILABLE_MIB = 128  # a session grows to about 40 MiB; keep room for the rest


def raise_fd_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard one, up to MAX_FDS (a shell's `ulimit -n`
    sets both, a default session often a soft limit of 1024 under a higher hard one);
    the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max(soft, MAX_FDS if hard == resource.RLIM_INFINITY else min(hard, MAX_FDS))
    if wanted > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft


def connection_budget(fd_limit: int, processes: int) -> int:
    """How many descriptors connections may hold when `processes` session processes
    (open tabs, tabs closing, warm ones) each hold FDS_PER_SESSION of them."""
    return max(0, fd_limit - FD_RESERVE - FDS_PER_SESSION * processes)


def open_fds() -> int | None:
    """How many file descriptors this process holds now (None without /proc)."""
    try:
        return len(os.listdir("/proc/self/fd")) - 1  # less the one listdir itself opened
    except OSError:
        return None


def available_mib(meminfo: Path | None = None) -> int | None:
    """MemAvailable from /proc/meminfo, in MiB (None where there is no such file)."""
    try:
        text = (meminfo or MEMINFO).read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) // 1024
    return None


def memory_problem() -> str | None:
    """Why no new session should start now, for want of memory."""
    free = available_mib()
    if free is not None and free < MIN_AVAILABLE_MIB:
        return f"the server's machine is short of memory ({free} MiB available)"
    return None


def exhausted(error: OSError) -> str | None:
    """A one-line cause when `error` means the machine ran out of something."""
    if error.errno in (errno.EMFILE, errno.ENFILE):
        return "the server is out of file descriptors (ulimit -n)"
    if error.errno in (errno.ENOMEM, errno.EAGAIN):
        return "the server's machine is out of memory or processes"
    return None
