"""Where the caches of a run may live, decided before anything is read from or written there.

* The default folder, ``ROOT/.archguard_cache``, comes from the tree: it must resolve inside ROOT
  (a committed symlink must not send cache writes elsewhere). Paths from ``[tool.archguard]`` are
  held to the same rule by the CLI; a ``--cache-dir`` on the command line may point anywhere.
* No cache folder may be ROOT, hold ROOT, or hold ROOT's sources: archguard writes a ``.gitignore``
  of ``*`` and replaces files there.
* A cache folder inside ROOT that git tracks arrived with the tree: it is ignored, with a notice.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from archguard.adapters.project_files.safe_io import is_inside, require_inside
from archguard.domain.errors import ConfigError
from archguard.domain.sources import SourceFile

DEFAULT_CACHE_DIR = ".archguard_cache"


def default_cache_dir(root: Path) -> Path:
    return require_inside(root / DEFAULT_CACHE_DIR, root, what="cache folder", source=DEFAULT_CACHE_DIR)


def check_cache_dir(cache_dir: Path, root: Path, files: Sequence[SourceFile]) -> None:
    """Refuse (exit 2) a cache folder that is ROOT, holds ROOT, holds ROOT's sources, or lies in a
    ``.git`` folder (nothing is ever written there: docs/security.md)."""
    cache = Path(os.path.realpath(cache_dir))
    real_root = Path(os.path.realpath(root))
    if ".git" in cache.parts or ".git" in Path(os.path.abspath(cache_dir)).parts:
        raise ConfigError(f"cache folder {cache_dir} is inside a .git folder; archguard never writes there")
    if real_root.is_relative_to(cache):
        raise ConfigError(
            f"cache folder {cache_dir} is ROOT or holds it; choose a folder of its own (default: ROOT/{DEFAULT_CACHE_DIR})"
        )
    if cache.is_relative_to(real_root):
        inside = cache.relative_to(real_root).as_posix() + "/"
        holding = next((f.path for f in files if f.path.startswith(inside)), None)
        if holding is not None:
            raise ConfigError(
                f"cache folder {cache_dir} holds ROOT's sources ({holding}); choose a folder of its own"
            )


def tracked_by_git(cache_dir: Path, root: Path, git_tracked: Sequence[str] | None) -> bool:
    """Does git track anything in this cache folder of ROOT's (committed: it came with the tree)?
    ``git_tracked``: the paths discovery's git listing found tracked (None: no git listing)."""
    if not git_tracked or not is_inside(cache_dir, root):
        return False
    relative = Path(os.path.realpath(cache_dir)).relative_to(os.path.realpath(root)).as_posix()
    prefix = "" if relative == "." else relative + "/"
    return any(path.startswith(prefix) for path in git_tracked)


def trusted_cache_dir(cache_dir: Path, root: Path, git_tracked: Sequence[str] | None) -> Path | None:
    """``cache_dir``, or None (no cache this run) when git tracks files in it."""
    if tracked_by_git(cache_dir, root, git_tracked):
        warnings.warn(
            f"archguard: ignoring the cache in {cache_dir}: git tracks files in it, so it came with the "
            f"tree and is not trusted; running without it (untrack it: git rm -r --cached {cache_dir})",
            stacklevel=3,
        )
        return None
    return cache_dir


def run_cache_dir(cache_dir: Path | None, root: Path, *, include_loose: bool) -> Path | None:
    """The folder this run's cache files go in: a packages-only run (CanonicalContract under
    lint-imports) keeps its own, since a cache keeps only the files its last run saw, and sharing
    would evict the loose files."""
    if cache_dir is None or include_loose:
        return cache_dir
    folder = cache_dir / "packages-only"
    if is_inside(folder.parent, root):  # a planted symlink there must not lead out of ROOT
        require_inside(folder, root, what="cache folder", source=str(folder))
    return folder


def tracked_in_listing(cache_dir: Path, root: Path, tracks_under: Callable[[str], bool]) -> bool:
    """:func:`tracked_by_git`, asked of a git listing (``tracks_under(folder)``) without its list."""
    if not is_inside(cache_dir, root):
        return False
    relative = Path(os.path.realpath(cache_dir)).relative_to(os.path.realpath(root)).as_posix()
    return relative == "." or tracks_under(relative)
