"""Writing files without losing the user's: atomic replacement, no silent overwrite.

Every failure is an OutputError whose str() is one line naming the file.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tui.safe_names import name_problem, shown


# Set by `objcg-lab serve` in each browser session: every file the session writes must
# lie inside this directory (the teacher's --data DIR), whatever path a student types.
CONFINE_ENV = "OBJCG_LAB_CONFINE_DIR"


class OutputError(Exception):
    """A file or directory that cannot be written; str() is one line (in a served
    session, with paths relative to the session's folder)."""

    def __init__(self, message: str) -> None:
        super().__init__(in_own_folder(message))


def in_own_folder(text: str) -> str:
    """`text` with the served session's folder taken off the paths it names: a student
    sees `lab.objcg`, never where the teacher keeps the class's files."""
    root = os.environ.get(CONFINE_ENV)
    if not root:
        return text
    return text.replace(str(Path(root).resolve()) + os.sep, "")


def refuse_bad_name(path: str | Path) -> None:
    """An OutputError of one line for a name no person should give (tui.safe_names)."""
    problem = name_problem(str(path))
    if problem:
        raise OutputError(f"{shown(str(path))}: {problem}")


def confined(path: str | Path) -> Path:
    """`path` itself, or under $OBJCG_LAB_CONFINE_DIR its place inside that directory
    (relative paths are taken from there); any path leading out of it is an OutputError,
    as is a name no person should give (tui.safe_names)."""
    refuse_bad_name(path)
    root = os.environ.get(CONFINE_ENV)
    if not root:
        return Path(path)
    base = Path(root).resolve()
    target = (base / path).resolve()
    if not target.is_relative_to(base) or target == base:
        raise OutputError(f"{path}: error: this served session writes only inside its own "
                          "folder; give a plain file name such as my-session.objcg")
    return target


def reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # some filesystems cannot open a directory: the data itself is synced
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temp(path: Path, data: bytes) -> str:
    """A synced temporary file next to `path` holding `data`, with the mode a plain open()
    would give it (mkstemp makes 0600: a handout could not be served from a web page)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~umask())
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def write_file(path: str | Path, data: str | bytes, *, replace: bool = False) -> None:
    """Write `data` to `path` atomically: readers see the old file or the whole new one.
    Without `replace`, an existing file is never touched (OutputError instead)."""
    path = confined(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if not replace and path.exists():
        raise OutputError(f"{path}: error: already exists; not overwriting it "
                          "(choose another name, remove it, or pass --force)")
    try:
        tmp = _temp(path, raw)
    except OSError as exc:
        raise OutputError(f"{path}: error: cannot write: {reason(exc)}") from None
    try:
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the file appeared meanwhile: never clobbers
            os.unlink(tmp)
    except FileExistsError:
        os.unlink(tmp)
        raise OutputError(f"{path}: error: already exists; not overwriting it") from None
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise OutputError(f"{path}: error: cannot write: {reason(exc)}") from None
    fsync_dir(path.parent)


def ready_dir(directory: str | Path) -> Path:
    """Create `directory` if needed and check that files can be written in it (serve's
    --data folder)."""
    directory = confined(directory)
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{directory}: error: not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".objcg-lab-probe.", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{directory}: error: cannot write there: {reason(exc)}") from None
    return directory
