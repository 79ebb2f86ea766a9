"""Where an export writes: checked first, built aside, moved into place whole.

`--force` replaces only what an earlier export of the same kind wrote, as it wrote it.
Each export keeps a manifest, MANIFEST: inside the folder it fills (svg, handout, html),
or beside the file it writes (cast, gif), naming every file it wrote, of which kind, and
the SHA-256 of its bytes. A file the manifest does not list, lists for another kind, or
whose bytes changed since (a teacher's own notes, an edited handout) is never replaced.
Every failure is an OutputError of one line naming the output.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tui.outfiles import OutputError, confined, fsync_dir, reason, umask, write_file

MANIFEST = ".objcg-lab-exports.json"


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _manifest(folder: Path) -> dict[str, dict[str, str]]:
    """{name: {"kind": ..., "sha256": ...}} of the files exports wrote in `folder`
    ({} when there is none or it is not one objcg-lab wrote)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return files if isinstance(files, dict) else {}


def _manifest_text(files: dict[str, dict[str, str]]) -> str:
    body = {"written by": "objcg-lab export; --force replaces only these files, unchanged",
            "files": dict(sorted(files.items()))}
    return json.dumps(body, indent=1, sort_keys=True) + "\n"


def _not_ours(item: Path, written: dict[str, dict[str, str]], name: str, kind: str) -> str | None:
    """Why `item` (listed as `name`) must not be replaced by an export of `kind`, if so."""
    entry = written.get(name)
    if item.is_symlink() or not item.is_file() or not isinstance(entry, dict):
        return "no objcg-lab export wrote it"
    if entry.get("kind") != kind:
        return f"'objcg-lab export {entry.get('kind')}' wrote it, not export {kind}"
    if entry.get("sha256") != _digest(item):
        return f"it changed since 'objcg-lab export {kind}' wrote it"
    return None


def _stranger(folder: Path, kind: str) -> str | None:
    """One line on the first thing in `folder` an export of `kind` did not write as it is."""
    written = _manifest(folder)
    for item in sorted(folder.rglob("*")):
        if item == folder / MANIFEST:
            continue
        name = str(item.relative_to(folder))
        why = _not_ours(item, written, name, kind)
        if why is not None:
            return f"holds {name}: {why}"
    return None


def check_target(target: Path, *, folder: bool, force: bool, kind: str) -> None:
    """Refuse an output that cannot or must not be written, before any work is done."""
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{target}: error: cannot write: no directory {parent}")
    if target.is_symlink() or (target.exists() and folder and not target.is_dir()):
        what = "a symbolic link" if target.is_symlink() else "a file, not a folder"
        raise OutputError(f"{target}: error: {what}; not writing there")
    if target.exists() and not folder and target.is_dir():
        raise OutputError(f"{target}: error: is a folder; give a file name")
    if not target.exists() or (folder and not any(target.iterdir())):
        return
    if not force:
        names = sorted(p.name for p in target.iterdir()) if folder else []
        first = next((name for name in names if name != MANIFEST), names[0] if names else "")
        what = (f"the folder is not empty ({first} ...); not writing "
                "into it (choose a new folder, or pass --force to replace an earlier export)"
                if folder else "already exists; not overwriting it (choose another name, remove "
                "it, or pass --force to replace an earlier export)")
        raise OutputError(f"{target}: error: {what}")
    if folder:
        why = _stranger(target, kind)
    else:
        why = _not_ours(target, _manifest(parent), target.name, kind)
    if why is not None:
        where = "that folder" if folder else "it"
        raise OutputError(f"{target}: error: {why}; not replacing {where} even with --force")


@contextmanager
def staged(target: str | Path, *, folder: bool, force: bool, kind: str) -> Iterator[Path]:
    """`with staged(OUT, folder=..., force=..., kind="svg") as work:` write the file or fill
    the folder `work`; it replaces OUT only when the block ends normally, with its manifest.
    The checks run on entry, before any rendering; an error, a full disk, a missing tool,
    Ctrl-C or a SIGTERM leaves nothing behind."""
    target = confined(target)
    check_target(target, folder=folder, force=force, kind=kind)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=parent))
    except OSError as exc:
        raise OutputError(f"{target}: error: cannot write there: {reason(exc)}") from None
    try:
        os.chmod(aside, 0o777 & ~umask())  # mkdtemp makes 0700; what moves out must be readable
        work = aside / target.name
        if folder:
            work.mkdir()
        try:
            yield work
            if folder:
                files = {str(p.relative_to(work)): {"kind": kind, "sha256": _digest(p)}
                         for p in sorted(work.rglob("*")) if p.is_file()}
                (work / MANIFEST).write_text(_manifest_text(files), encoding="utf-8")
        except OSError as exc:  # a full disk, a folder removed meanwhile, ...
            raise OutputError(f"{target}: error: cannot write: {reason(exc)}; nothing "
                              "written") from None
        _publish(work, target, aside, folder=folder, force=force, kind=kind)
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def _publish(work: Path, target: Path, aside: Path, *, folder: bool, force: bool,
             kind: str) -> None:
    parent = target.parent if str(target.parent) else Path(".")
    try:
        if not folder:
            if not work.exists():
                raise OutputError(f"{target}: error: nothing was written")
            digest = _digest(work)
            if target.exists():
                check_target(target, folder=False, force=force, kind=kind)  # changed meanwhile?
                os.replace(work, target)
            else:
                os.link(work, target)  # fails if a file appeared meanwhile: never clobbers
            written = _manifest(parent)
            written[target.name] = {"kind": kind, "sha256": digest}
            write_file(parent / MANIFEST, _manifest_text(written), replace=True)
        elif target.is_dir() and any(target.iterdir()):
            check_target(target, folder=True, force=force, kind=kind)  # it changed meanwhile
            os.rename(target, aside / ".replaced")
            os.rename(work, target)
        else:
            os.rename(work, target)  # onto a missing or empty folder
    except FileExistsError:
        raise OutputError(f"{target}: error: already exists; not overwriting it") from None
    except OSError as exc:
        raise OutputError(f"{target}: error: cannot write: {reason(exc)}") from None
    fsync_dir(parent)
