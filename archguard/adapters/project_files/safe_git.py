"""Run ``git`` in an analysed tree without letting the tree's own git configuration run anything.

The analysed tree is untrusted (docs/security.md): a pull request from a fork may ship a repository
whose ``.git/config`` (or a file it includes) sets ``core.fsmonitor = ./evil``, a filter, an
external diff, a pager or a credential helper. git obeys such settings and runs the program as the
user running archguard. Every git call archguard makes goes through :func:`run_git`, which:

* overrides, on the command line (``-c``, which beats every config file), the settings known to run
  programs: ``core.fsmonitor``, ``core.hooksPath``, pagers, and every key the repository's own
  config scopes (``local``, ``worktree``) set whose last part names a program to run (filter
  drivers, diff and merge drivers, textconv, credential helpers, ssh/proxy/editor/askpass);
* passes ``--no-pager``, ``GIT_PAGER=cat``, ``GIT_OPTIONAL_LOCKS=0`` (do not rewrite the index),
  ``GIT_TERMINAL_PROMPT=0`` and an empty stdin (or the object ids ``cat-file --batch`` is given),
  and never a shell;
* keeps git's own ownership check: a repository owned by another user is refused by git
  (``safe.directory``), and the caller falls back to reading the tree itself. archguard never adds
  ``safe.directory`` entries.

The user's own global and system configuration (their environment, which they trust) is left alone.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

GIT_TIMEOUT_S = 60

# Always overridden, whatever the repository says.
_FIXED_OVERRIDES = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("diff.external", ""),
    ("credential.helper", ""),
    ("core.sshCommand", ""),
    ("core.askPass", ""),
    ("core.editor", "true"),
)
# Keys (last dotted part, lower case) that name a program git may run; a repository-scoped key of
# this kind is overridden with an empty value ("no program").
_PROGRAM_KEYS = frozenset(
    {
        "clean",
        "smudge",
        "process",  # filter.<driver>.*
        "command",
        "textconv",  # diff.<driver>.*
        "driver",  # merge.<driver>.driver
        "helper",  # credential.<url>.helper
        "program",  # gpg.program, gpg.<format>.program
        "sshcommand",
        "gitproxy",
        "askpass",
        "editor",
        "pager",
        "fsmonitor",
        "hookspath",
        "packobjectshook",
        "alternaterefscommand",
        "uploadpack",
        "receivepack",
        "external",
    }
)
_BOOLEAN_KEYS = {"required": "false"}  # filter.<driver>.required: a missing filter must not fail
_REPOSITORY_SCOPES = frozenset({"local", "worktree"})


def run_git(
    root: Path | str,
    args: Sequence[str],
    *,
    timeout: float = GIT_TIMEOUT_S,
    config_out: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> subprocess.CompletedProcess[bytes] | None:
    """``git -C root <args>`` with the repository's program-running settings neutralised; None when
    git is missing, times out or cannot read the repository's configuration. ``config_out``
    receives the configuration git read (every scope; key -> last value), from the same call.
    ``stdin``: what git reads (``cat-file --batch``'s object ids); else nothing."""
    known = _configuration(root, timeout)
    if known is None:
        return None
    if config_out is not None:
        config_out.update(known[1])
    return _git(root, [*_as_flags(known[0]), *args], timeout, stdin)


def read_configuration(root: Path | str, timeout: float = GIT_TIMEOUT_S) -> None:
    """Within :func:`configuration_read_once`: read ROOT's configuration now, so that calls made
    next from several threads at once share this one read."""
    _configuration(root, timeout)


def _configuration(root: Path | str, timeout: float) -> tuple[list[tuple[str, str]], dict[str, str]] | None:
    known = _read_once.get(str(root)) if _read_once is not None else None
    if known is None:
        config: dict[str, str] = {}
        overrides = _repository_overrides(root, timeout, config)
        if overrides is None:
            return None
        known = (overrides, config)
        if _read_once is not None:
            _read_once[str(root)] = known
    return known


# Within :func:`configuration_read_once`: ROOT -> (overrides, configuration) read by the first call.
_read_once: dict[str, tuple[list[tuple[str, str]], dict[str, str]]] | None = None


@contextmanager
def configuration_read_once() -> Iterator[None]:
    """The git calls inside this block read the repository's configuration once per ROOT, not once
    each: a few calls made one after another by one command (``check --changed``) share it."""
    global _read_once
    outer = _read_once
    _read_once = {} if outer is None else outer
    try:
        yield
    finally:
        _read_once = outer


def _repository_overrides(
    root: Path | str, timeout: float, config_out: dict[str, str] | None = None
) -> list[tuple[str, str]] | None:
    """The fixed overrides, plus one per program-naming key the repository's config scopes set.
    Reading configuration runs nothing (``include.path`` only reads more files)."""
    listed = _git(
        root,
        [*_as_flags(_FIXED_OVERRIDES), "config", "--show-scope", "--includes", "--null", "--list"],
        timeout,
    )
    if listed is None:
        return None
    overrides = list(_FIXED_OVERRIDES)
    if listed.returncode != 0:  # not a repository (or git refused it): the real call will fail too
        return overrides
    tokens = listed.stdout.split(b"\0")
    for scope, entry in zip(tokens[0::2], tokens[1::2], strict=False):  # a trailing NUL leaves one over
        if config_out is not None:
            name, _, value = entry.partition(b"\n")
            config_out[os.fsdecode(name)] = os.fsdecode(value)
        if os.fsdecode(scope) not in _REPOSITORY_SCOPES:
            continue
        key = os.fsdecode(entry.partition(b"\n")[0])
        last = key.rpartition(".")[2].lower()
        if last in _PROGRAM_KEYS:
            overrides.append((key, ""))
        elif last in _BOOLEAN_KEYS:
            overrides.append((key, _BOOLEAN_KEYS[last]))
    return overrides


def _as_flags(overrides: Sequence[tuple[str, str]]) -> list[str]:
    flags: list[str] = []
    for key, value in overrides:
        flags += ["-c", f"{key}={value}"]
    return flags


def _git(
    root: Path | str, args: Sequence[str], timeout: float, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes] | None:
    environment = {
        **os.environ,
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_TERMINAL_PROMPT": "0",
    }
    try:
        return subprocess.run(
            ["git", "--no-pager", "-C", str(root), *args],
            capture_output=True,
            input=stdin if stdin is not None else b"",
            timeout=timeout,
            check=False,
            env=environment,
        )
    except (OSError, subprocess.SubprocessError):
        return None
