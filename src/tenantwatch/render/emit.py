"""The one writer: swaps rendered subtrees into the output folder atomically, or compares.

Each target subtree keeps a manifest of the files tenantwatch wrote there. A re-render
removes the files it wrote before and no longer renders, and carries every other file (the
user's own: an extra rule file, a dashboard) over into the new subtree, so it never deletes
what it did not write. A subtree without a manifest (the first render into a folder) is
assumed to hold only the user's files.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from tenantwatch.render import Files

MANIFEST = ".tenantwatch-manifest.json"


def write_tree(out: Path, tree: dict[str, Files]) -> None:
    """Write each target subtree to a sibling temp dir, then swap all in by rename.

    Every temp dir is complete (rendered files, the user's files, the manifest) before the
    first swap, so a failure while writing leaves `out` exactly as it was; a failure during
    the swaps puts back what was moved.
    """
    out.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, files in tree.items():
            tmp = Path(tempfile.mkdtemp(prefix=f".{name}.new-", dir=out))
            staged.append((name, tmp))
            tmp.chmod(_folder_mode())
            for rel, content in files.items():
                path = tmp / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")
            _carry_over(out / name, tmp, files)
            (tmp / MANIFEST).write_text(json.dumps({"files": sorted(files)}, indent=1) + "\n", encoding="utf-8")
        _swap(out, staged)
    finally:
        for _, tmp in staged:
            shutil.rmtree(tmp, ignore_errors=True)


def _folder_mode() -> int:
    """What `mkdir` would give under the current umask: a temp dir is 0700, and the subtree
    swapped in must be readable by Prometheus and Alertmanager, which run as their own user."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def _carry_over(root: Path, tmp: Path, files: Files) -> None:
    """Copy the user's files (and folders) of the current subtree into the staged one."""
    if not root.is_dir():
        return
    ours = written_before(root)
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel == MANIFEST or rel in ours or rel in files:
            continue
        target = tmp / rel
        if path.is_dir() and not path.is_symlink():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target, follow_symlinks=False)


def written_before(root: Path) -> set[str]:
    """The files the last render wrote into a target subtree; none without a readable
    manifest, so that nothing there is ever deleted on a guess."""
    try:
        listed = json.loads((root / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    return {rel for rel in listed if isinstance(rel, str)}


def _swap(out: Path, staged: list[tuple[str, Path]]) -> None:
    done: list[tuple[Path, Path | None]] = []
    try:
        for name, tmp in staged:
            final = out / name
            old = None
            if final.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{name}.old-", dir=out)) / name
                os.rename(final, old)
            os.rename(tmp, final)
            done.append((final, old))
    except OSError:
        for final, old in reversed(done):
            shutil.rmtree(final, ignore_errors=True)
            if old is not None:
                os.rename(old, final)
        raise
    for _, old in done:
        if old is not None:
            shutil.rmtree(old.parent, ignore_errors=True)


def differences(out: Path, tree: dict[str, Files]) -> list[str]:
    """What `write_tree` would change, as `+ path`, `- path` and `~ path` lines; the user's
    own files (not in the manifest) are not tenantwatch's business."""
    lines = []
    for name, files in tree.items():
        root = out / name
        existing = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()
        stale = written_before(root) & existing
        for rel in sorted(set(files) | stale):
            path = f"{name}/{rel}"
            if rel not in existing:
                lines.append(f"+ {path}")
            elif rel not in files:
                lines.append(f"- {path}")
            elif (root / rel).read_text(encoding="utf-8") != files[rel]:
                lines.append(f"~ {path}")
    return lines
