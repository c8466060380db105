"""Writing generated files into the folder the user named, and nowhere else.

- File names are injective: `<kind>_<namespace>_<name>.yaml` (cluster-scoped: `<kind>_<name>.yaml`), every
  character outside `[a-z0-9.-]` (and a leading dot) escaped as `%XX`, so `_` only ever separates the parts and
  two objects never share a file.
- Two objects with one identity (API group, kind, namespace, name) are refused before anything is written:
  `kubectl apply` would keep only one of them.
- The whole folder is staged in a fresh temporary sibling (created with mkdtemp, files with O_EXCL|O_NOFOLLOW),
  checked (e.g. `--verify` re-reads the staged files), and then renamed into place once. An interrupted run
  leaves the old folder (or none) as it was; a killed one at most a hidden `.<name>.netpolx-<pid>-*` sibling,
  removed by the next run.
- The folder must be absent or empty, or, with `--prune`, one netpolx wrote before: the manifest
  (`.netpolx-manifest`) lists every file with its SHA-256, and any other file (or a file changed since) makes
  netpolx refuse and name it, so nothing the user put there is deleted.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from translator.errors import NetpolxError
from translator.output.progress import progress

MANIFEST = ".netpolx-manifest"
"""The manifest file in every folder netpolx writes (no .yaml/.json suffix, so `-f DIR` never reads it)."""
MANIFEST_KIND = "NetpolxOutput"
KILL_HOOK = "NETPOLX_TEST_KILL_AT"
"""Tests only: `staged:KILL` (or `staged:TERM`) makes the process send itself that signal after staging, before the
rename, so interruption tests use real signals at a known point."""
_SAFE = re.compile(r"[a-z0-9.-]")
_MAX_NAME = 200


class OutputError(NetpolxError):
    """The output folder cannot be written as asked (the message says why and what to do)."""


# -- names ---------------------------------------------------------------------------------------------------


def escape_part(text: str) -> str:
    """`text` with every character outside [a-z0-9.-] (and a leading dot) as %XX of its UTF-8 bytes."""
    out = []
    for i, ch in enumerate(text):
        if _SAFE.fullmatch(ch) and not (i == 0 and ch == "."):
            out.append(ch)
        else:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
    return "".join(out) or "%00"


def object_file_name(obj: Mapping[str, Any], ext: str = "yaml") -> str:
    """The file one object is written to; distinct objects (by identity) always get distinct names."""
    meta = obj.get("metadata") or {}
    parts = [str(obj.get("kind") or "object").lower(), meta.get("namespace"), meta.get("name") or ""]
    name = "_".join(escape_part(str(p)) for p in parts if p is not None)
    if len(name) > _MAX_NAME:  # file systems allow 255 bytes; keep the name unique with a digest
        digest = hashlib.sha256(name.encode()).hexdigest()[:16]
        name = f"{name[:_MAX_NAME - 17]}~{digest}"
    return f"{name}.{ext}"


def identity(obj: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """What `kubectl apply` keys an object by: API group, kind, namespace, name."""
    meta = obj.get("metadata") or {}
    group = str(obj.get("apiVersion") or "").rpartition("/")[0]
    return group, str(obj.get("kind") or ""), str(meta.get("namespace") or ""), str(meta.get("name") or "")


def describe(ident: tuple[str, str, str, str]) -> str:
    """`Kind namespace/name` for messages."""
    _, kind, ns, name = ident
    return f"{kind} {ns}/{name}" if ns else f"{kind} {name}"


def clashes(items: Iterable[tuple[Mapping[str, Any], Any]]) -> list[tuple[tuple[str, str, str, str], Any, Any]]:
    """(identity, first source, second source) for each object whose identity an earlier one already has."""
    seen: dict[tuple[str, str, str, str], Any] = {}
    out = []
    for obj, source in items:
        key = identity(obj)
        if key in seen:
            out.append((key, seen[key], source))
        else:
            seen[key] = source
    return out


# -- the folder ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Previous:
    """What is in the output folder now."""

    exists: bool
    files: tuple[str, ...]
    """Every entry below the folder (relative POSIX paths), the manifest excepted."""
    foreign: tuple[str, ...]
    """Entries netpolx did not write, or changed since it did (empty when the folder is netpolx's)."""
    has_manifest: bool


def _walk(root: Path) -> list[tuple[str, os.stat_result]]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            out.append((path.relative_to(root).as_posix(), path.lstat()))
    return out


def _digest(path: Path) -> str:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def read_manifest(root: Path) -> dict[str, str] | None:
    """The files (relative path -> SHA-256) a previous run recorded in `root`, or None."""
    path = root / MANIFEST
    if path.is_symlink() or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("kind") != MANIFEST_KIND or not isinstance(data.get("files"), dict):
        return None
    return {str(k): str(v) for k, v in data["files"].items()}


def inspect(root: Path) -> Previous:
    """The state of the output folder (absent, empty, netpolx's, or holding foreign files)."""
    if root.is_symlink():
        raise OutputError(f"{root} is a symbolic link; netpolx replaces the output folder as a whole, so name the "
                          "folder itself")
    if not root.exists():
        return Previous(False, (), (), False)
    if not root.is_dir():
        raise OutputError(f"{root} exists and is not a folder")
    try:
        entries = _walk(root)
    except OSError as exc:
        raise OutputError(f"cannot read the output folder {root}: {exc}") from exc
    manifest = read_manifest(root)
    files = tuple(sorted(rel for rel, _ in entries if rel != MANIFEST))
    if manifest is None:
        return Previous(True, files, files, False)
    recorded_dirs = {str(p) for rel in manifest for p in PurePosixPath(rel).parents if str(p) != "."}
    foreign = []
    for rel, st in entries:
        if rel == MANIFEST:
            continue
        if stat.S_ISDIR(st.st_mode) and rel in recorded_dirs:
            continue
        if stat.S_ISREG(st.st_mode) and rel in manifest:
            try:
                if _digest(root / rel) == manifest[rel]:
                    continue
            except OSError:
                pass
            foreign.append(f"{rel} (changed since netpolx wrote it)")
            continue
        foreign.append(rel)
    return Previous(True, files, tuple(sorted(foreign)), True)


def check_reusable(root: Path, prune: bool) -> Previous:
    """Refuse (OutputError) unless `root` is absent or empty, or `prune` and it holds only what netpolx wrote."""
    prev = inspect(root)
    if not prev.files and not prev.has_manifest:
        return prev
    if not prune:
        raise OutputError(f"the output folder {root} is not empty ({_some(prev.files)}); name a new folder, or pass "
                          "--prune to replace what netpolx wrote there before")
    if not prev.has_manifest:
        raise OutputError(f"--prune: netpolx did not create {root} (it has no {MANIFEST}), so it removes nothing "
                          f"there ({_some(prev.files)}); name a new folder")
    if prev.foreign:
        raise OutputError(f"--prune: {root} holds files netpolx did not write: {_some(prev.foreign, 20)}; move them "
                          "away (nothing was written or removed)")
    return prev


def _some(items: Iterable[str], limit: int = 5) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def check_paths(files: Mapping[str, str]) -> None:
    """Every relative path stays inside the folder (no absolute paths, `..`, empty parts, or the manifest)."""
    for rel in files:
        p = PurePosixPath(rel)
        if p.is_absolute() or not p.parts or any(part in ("", ".", "..") for part in p.parts) or \
                rel == MANIFEST or "\\" in rel or "\0" in rel:
            raise OutputError(f"refusing to write {rel!r}: not a plain path inside the output folder")


def _write_new(staging: Path, rel: str, data: bytes) -> None:
    """Create `rel` under the staging folder; fails if anything (even a link) is already there."""
    path = staging / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _clean_stale_staging(parent: Path, name: str) -> None:
    """Remove staging folders that killed runs left next to `name` (their process is gone)."""
    pattern = re.compile(rf"^\.{re.escape(name)}\.netpolx-(\d+)-[A-Za-z0-9_]+$")
    try:
        siblings = list(parent.iterdir())
    except OSError:
        return
    for sib in siblings:
        m = pattern.match(sib.name)
        if not m or sib.is_symlink() or not sib.is_dir():
            continue
        pid = int(m.group(1))
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            continue  # still running
        except ProcessLookupError:
            shutil.rmtree(sib, ignore_errors=True)
        except OSError:
            continue


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where that is not available."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    res = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if res != 0:
        err = ctypes.get_errno()
        if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
            return False
        raise OSError(err, os.strerror(err), str(a))
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_folder(out: str | Path, files: Mapping[str, str], *, prune: bool, command: str,
                 check: Callable[[Path], None] | None = None) -> Path:
    """Write `files` (relative path -> text) as the whole content of `out`, or raise OutputError having changed
    nothing. `check(staging)` runs on the staged folder before it is renamed into place (it raises to stop)."""
    root = Path(out)
    if not str(out).strip():
        raise OutputError("--output-dir is empty: name the folder to write")
    here = Path.cwd()
    if not root.name or root.name in (".", "..") or root.resolve() in (here, *here.parents):
        raise OutputError(f"--output-dir {out}: name a folder of its own (e.g. {Path(out) / 'netpolx-out'}), not "
                          "the current, a parent or the root folder: netpolx writes the folder as a whole and puts "
                          "it in place in one step")
    check_paths(files)
    prev = check_reusable(root, prune)
    parent = root.parent if str(root.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder holding {root}: {exc}") from exc
    _clean_stale_staging(parent, root.name)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.netpolx-{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot write next to {root}: {exc}") from exc
    try:
        manifest: dict[str, str] = {}
        for rel, text in progress().track(sorted(files.items()), "writing files", len(files)):
            data = text.encode("utf-8")
            _write_new(staging, rel, data)
            manifest[rel] = hashlib.sha256(data).hexdigest()
        body = json.dumps({"kind": MANIFEST_KIND, "command": command, "files": manifest}, indent=2) + "\n"
        _write_new(staging, MANIFEST, body.encode("utf-8"))
        os.chmod(staging, 0o777 & ~_umask())
        if check is not None:
            check(staging)
        hook = os.environ.get(KILL_HOOK, "")
        if hook.startswith("staged:"):
            os.kill(os.getpid(), getattr(signal, "SIG" + hook.partition(":")[2]))
        _commit(staging, root, prev)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return root


def _commit(staging: Path, root: Path, prev: Previous) -> None:
    """Put the staged folder in place of `root` with one rename (an exchange when `root` has content)."""
    if not prev.exists:
        try:
            os.rename(staging, root)
        except OSError as exc:
            raise OutputError(f"cannot create {root}: {exc}") from exc
        return
    if not prev.files and not prev.has_manifest:
        try:
            os.rename(staging, root)  # replaces an empty folder
            return
        except OSError as exc:
            raise OutputError(f"cannot write {root}: {exc}") from exc
    try:
        if not _exchange(staging, root):
            old = staging.with_name(staging.name + "-old")
            os.rename(root, old)
            try:
                os.rename(staging, root)
            except OSError:
                os.rename(old, root)
                raise
            staging = old
    except OSError as exc:
        raise OutputError(f"cannot replace {root}: {exc}") from exc
    with contextlib.suppress(OSError):
        shutil.rmtree(staging)  # now the previous content, which the manifest said was netpolx's


# -- single files (graph -o html, verify --witness) ---------------------------------------------------------


def write_file(path: Path, text: str) -> None:
    """Write one file atomically: an exclusive temporary file (mkstemp) in the same folder, renamed over `path`
    (which replaces a link at `path` rather than writing through it). Mode as a new file gets (umask applied)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.netpolx-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- editing files in place (lint --fix) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rewrite:
    """A checked plan to replace one file's text: the real path (links followed), its bytes as read, the new
    bytes (line endings as the file had them) and its mode and owner to keep."""

    name: str
    real: Path
    before: bytes
    after: bytes
    st: os.stat_result


def _universal(raw: bytes) -> str:
    """What Python's text mode reads (the text lint computed its edits on)."""
    return raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def plan_rewrite(name: str, read_text: str, new_text: str) -> Rewrite:
    """Check that `name` can be rewritten as `new_text` keeping what it is: a link's target is edited (never
    replaced by a file), read-only files and files with other hard links are refused, CRLF stays CRLF (mixed
    line endings are refused), and the file must still hold `read_text`."""
    real = Path(os.path.realpath(name))
    try:
        st = os.stat(real)
        with open(real, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise OutputError(f"{name}: cannot read it again: {exc}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{name}: not a regular file")
    if not st.st_mode & 0o222 or not os.access(real, os.W_OK):
        raise OutputError(f"{name}: the file is read-only; not changed (make it writable to fix it)")
    if st.st_nlink > 1:
        raise OutputError(f"{name}: the file has other hard links, which a rewrite would separate; not changed")
    try:
        unchanged = read_text in (raw.decode("utf-8"), _universal(raw))  # read as bytes, or in text mode
    except UnicodeDecodeError as exc:
        raise OutputError(f"{name}: changed since netpolx read it (no longer UTF-8); not changed") from exc
    if not unchanged:
        raise OutputError(f"{name}: changed since netpolx read it; not changed (run lint again)")
    crlf = raw.count(b"\r\n")
    if crlf and (crlf != raw.count(b"\n") or crlf != raw.count(b"\r")):
        raise OutputError(f"{name}: mixed line endings (CRLF and LF); not changed")
    lf = new_text.replace("\r\n", "\n")
    after = (lf.replace("\n", "\r\n") if crlf else lf).encode("utf-8")
    return Rewrite(name, real, raw, after, st)


def apply_rewrite(rw: Rewrite) -> None:
    """Replace the file atomically through an exclusive temporary file next to it, keeping mode and owner;
    fails (changing nothing) if the file changed since `plan_rewrite` read it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{rw.real.name}.netpolx-", dir=rw.real.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(rw.after)
            os.fchmod(fh.fileno(), stat.S_IMODE(rw.st.st_mode))
            own = os.fstat(fh.fileno())
            if (own.st_uid, own.st_gid) != (rw.st.st_uid, rw.st.st_gid):
                try:
                    os.fchown(fh.fileno(), rw.st.st_uid, rw.st.st_gid)
                except OSError as exc:
                    raise OutputError(f"{rw.name}: cannot keep its owner ({exc}); not changed") from exc
        with open(rw.real, "rb") as fh:
            if fh.read() != rw.before:
                raise OutputError(f"{rw.name}: changed while netpolx was fixing it; not changed")
        os.replace(tmp, rw.real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
