"""Provenance of a run: package versions and the git commit of the source."""

from __future__ import annotations

import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = ["git_commit", "package_versions"]

#: Distributions whose versions are stored with every run.
_PACKAGES = (
    "redundancy",
    "numpy",
    "scipy",
    "pandas",
    "numba",
    "SALib",
    "duckdb",
    "pyarrow",
    "dask",
    "distributed",
)


def package_versions() -> dict[str, str]:
    """Return the installed versions of Python and the packages a run depends on."""
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit(path: Path | None = None) -> str | None:
    """Return the commit of the git work tree containing ``path``, or None.

    Args:
        path: a file or folder inside the work tree; defaults to this
            package's source folder. A commit with uncommitted changes gets
            the suffix ``-dirty``.
    """
    folder = Path(__file__).resolve().parent if path is None else Path(path)
    folder = folder if folder.is_dir() else folder.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}-dirty" if changes else commit or None
