"""The one writer: swaps rendered subtrees into the output folder atomically, or compares."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tenantwatch.render import Files


def write_tree(out: Path, tree: dict[str, Files]) -> None:
    """Write each target subtree to a sibling temp dir, then swap all in by rename.

    Every temp dir is complete before the first swap, so a failure while writing leaves
    `out` exactly as it was; a failure during the swaps puts back what was moved.
    """
    out.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, files in tree.items():
            tmp = Path(tempfile.mkdtemp(prefix=f".{name}.new-", dir=out))
            for rel, content in files.items():
                path = tmp / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")
            staged.append((name, tmp))
        _swap(out, staged)
    finally:
        for _, tmp in staged:
            shutil.rmtree(tmp, ignore_errors=True)


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
    """What `write_tree` would change, as `+ path`, `- path` and `~ path` lines."""
    lines = []
    for name, files in tree.items():
        root = out / name
        existing = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()
        for rel in sorted(set(files) | existing):
            path = f"{name}/{rel}"
            if rel not in existing:
                lines.append(f"+ {path}")
            elif rel not in files:
                lines.append(f"- {path}")
            elif (root / rel).read_text(encoding="utf-8") != files[rel]:
                lines.append(f"~ {path}")
    return lines
