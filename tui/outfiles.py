"""Writing files without losing the user's: atomic replacement, no silent overwrite.

Every failure is an OutputError whose str() is one line naming the file.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _fsync_dir(directory: Path) -> None:
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temp(path: Path, data: bytes) -> str:
    """A synced temporary file next to `path` holding `data`, with the mode a plain open()
    would give it (mkstemp makes 0600: a handout could not be served from a web page)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
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
        raise OutputError(f"{path}: error: cannot write: {_reason(exc)}") from None
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
        raise OutputError(f"{path}: error: cannot write: {_reason(exc)}") from None
    _fsync_dir(path.parent)


# -- exports: checked first, built aside, moved into place whole ----------------------------

# What objcg-lab's exports write: a folder holding only such files may be replaced by --force.
EXPORT_SUFFIXES = frozenset({".svg", ".png", ".md", ".objcg", ".cast", ".gif", ".html",
                             ".js", ".css", ".json"})


def _foreign(folder: Path) -> Path | None:
    """The first thing in `folder` that no export of objcg-lab writes, if any."""
    for item in sorted(folder.rglob("*")):
        if item.is_symlink() or (item.is_file() and item.suffix not in EXPORT_SUFFIXES):
            return item
        if not (item.is_file() or item.is_dir()):
            return item
    return None


def check_target(target: Path, *, folder: bool, force: bool) -> None:
    """Refuse an output that cannot or must not be written, before any work is done."""
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{target}: error: cannot write: no directory {parent}")
    if target.is_symlink() or (target.exists() and folder and not target.is_dir()):
        kind = "a symbolic link" if target.is_symlink() else "a file, not a folder"
        raise OutputError(f"{target}: error: {kind}; not writing there")
    if target.exists() and not folder and target.is_dir():
        raise OutputError(f"{target}: error: is a folder; give a file name")
    if folder and target.is_dir():
        entries = sorted(target.iterdir())
        if entries and not force:
            raise OutputError(f"{target}: error: the folder is not empty ({entries[0].name} ...); "
                              "not writing into it (choose a new folder, or pass --force to "
                              "replace it)")
        stranger = _foreign(target) if entries else None
        if stranger is not None:
            raise OutputError(f"{target}: error: holds {stranger.relative_to(target)}, which no "
                              "objcg-lab export writes; not replacing that folder even with "
                              "--force")
    elif not folder and target.exists() and not force:
        raise OutputError(f"{target}: error: already exists; not overwriting it "
                          "(choose another name, remove it, or pass --force)")


@contextmanager
def staged(target: str | Path, *, folder: bool, force: bool) -> Iterator[Path]:
    """`with staged(OUT, folder=..., force=...) as work:` write the file or fill the folder
    `work`; it replaces OUT only when the block ends normally. The checks run on entry,
    before any rendering; an error, a missing tool or Ctrl-C leaves nothing behind."""
    target = confined(target)
    check_target(target, folder=folder, force=force)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=parent))
    except OSError as exc:
        raise OutputError(f"{target}: error: cannot write there: {_reason(exc)}") from None
    try:
        os.chmod(aside, 0o777 & ~_umask())  # mkdtemp makes 0700; what moves out must be readable
        work = aside / target.name
        if folder:
            work.mkdir()
        yield work
        _publish(work, target, aside, folder=folder, force=force)
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def _publish(work: Path, target: Path, aside: Path, *, folder: bool, force: bool) -> None:
    try:
        if not folder:
            if not work.exists():
                raise OutputError(f"{target}: error: nothing was written")
            if force:
                os.replace(work, target)
            else:
                os.link(work, target)  # fails if a file appeared meanwhile: never clobbers
        elif target.is_dir() and any(target.iterdir()):
            check_target(target, folder=True, force=force)  # it filled up meanwhile
            old = aside / ".replaced"
            os.rename(target, old)
            os.rename(work, target)
        else:
            os.rename(work, target)  # onto a missing or empty folder
    except FileExistsError:
        raise OutputError(f"{target}: error: already exists; not overwriting it") from None
    except OSError as exc:
        raise OutputError(f"{target}: error: cannot write: {_reason(exc)}") from None
    _fsync_dir(target.parent if str(target.parent) else Path("."))


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
        raise OutputError(f"{directory}: error: cannot write there: {_reason(exc)}") from None
    return directory
