"""Ruff as the syntax judge by target version."""

from __future__ import annotations

from pathlib import Path

import pytest

from archguard.adapters.parsing import syntax_judge
from archguard.adapters.parsing.syntax_judge import JudgeUnavailable, judge, parse_target


def write(root: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return list(files)


def test_verdicts_depend_on_the_target(tmp_path: Path) -> None:
    paths = write(tmp_path, {
        "new.py": "x = 1\nclass C[T]:\n    pass\n",
        "ok.py": "import os\n",
        "pkg/broken.py": "def f(:\n    pass\nx = (\n",
        "-dash.py": "y = 2\n",  # must not be taken for an option
        "noqa.py": "# ruff: noqa\ndef g(:\n",
    })
    old = judge(tmp_path, paths, (3, 11))
    assert old["ok.py"] is None and old["-dash.py"] is None
    assert (old["new.py"].line, old["new.py"].column) == (2, 8)
    assert "3.11" in old["new.py"].message
    assert (old["pkg/broken.py"].path, old["pkg/broken.py"].line) == ("pkg/broken.py", 1)
    assert old["noqa.py"] is not None and old["noqa.py"].line == 2
    new = judge(tmp_path, paths, (3, 14))
    assert new["new.py"] is None
    assert new["pkg/broken.py"] == old["pkg/broken.py"]


def test_many_files_are_judged_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syntax_judge, "MAX_ARGS_CHARS", 40)
    paths = write(tmp_path, {f"m{i}.py": ("x = 1\n" if i % 3 else "x = (\n") for i in range(12)})
    verdicts = judge(tmp_path, paths, (3, 12))
    assert set(verdicts) == set(paths)
    assert [p for p, issue in verdicts.items() if issue] == [f"m{i}.py" for i in range(0, 12, 3)]


def test_file_ruff_cannot_read_gets_no_verdict(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b'# -*- coding: latin-1 -*-\nx = "\xe9"\n')
    assert judge(tmp_path, ["latin.py"], (3, 12)) == {}


def test_missing_ruff_is_reported_not_crashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syntax_judge, "find_ruff", lambda: str(tmp_path / "no-such-ruff"))
    write(tmp_path, {"a.py": ""})
    with pytest.raises(JudgeUnavailable):
        judge(tmp_path, ["a.py"], (3, 12))


@pytest.mark.parametrize("text, expected", [("3.12", (3, 12)), ("py311", (3, 11)), ("3.14", (3, 14))])
def test_parse_target(text: str, expected: tuple[int, int]) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["3", "three", "2.7", "3.99", "", "3.12.1"])
def test_parse_target_rejects_bad_or_unsupported(text: str) -> None:
    with pytest.raises(ValueError):
        parse_target(text)
