"""The GitHub Action (``action.yml``) run as a shell runner runs it: every ``run:`` step, in order,
with bash -eo pipefail, its ``env:`` expressions evaluated, ``GITHUB_OUTPUT``/``GITHUB_ENV``/
``GITHUB_STEP_SUMMARY`` as files, in a repository this test builds. What only GitHub has is a
stand-in: ``actions/setup-python`` (this interpreter), the pip install (recorded, not run),
``actions/cache`` (nothing), the SARIF upload (the file is checked instead) and the ``gh`` CLI
(a fake API that keeps the pull request's comments in a file)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.functional.test_history import BASE, commit
from tests.helpers import GIT_ENV, REPO, git, write_tree

ACTION = REPO / "action.yml"
MARKER = "<!-- archguard-diff -->"

GH = r'''#!PYTHON
"""A stand-in for the gh CLI: the comments of one pull request, kept in $FAKE_GH_STORE."""
import json, os, sys
store = os.environ["FAKE_GH_STORE"]
comments = json.load(open(store)) if os.path.exists(store) else []
args = sys.argv[1:]
with open(store + ".log", "a") as log:
    log.write(" ".join(args) + "\n")
assert args[0] == "api", args
method = args[args.index("--method") + 1] if "--method" in args else "GET"
body = next((a.split("=@", 1)[1] for a in args if a.startswith("body=@")), None)
if method == "GET":  # the --jq of action.yml: the first comment that starts with the marker
    found = [c["id"] for c in comments if c["body"].startswith("<!-- archguard-diff -->")]
    print(found[0] if found else "")
elif method == "PATCH":
    wanted = int(args[args.index("--method") + 2].rsplit("/", 1)[1])
    for c in comments:
        if c["id"] == wanted:
            c["body"] = open(body).read()
elif method == "POST":
    comments.append({"id": 100 + len(comments), "body": open(body).read()})
json.dump(comments, open(store, "w"))
'''

PYTHON = r"""#!/bin/sh
# setup-python's stand-in: this test's interpreter; a pip install is recorded, not run
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "$*" >> "$FAKE_PIP_LOG"; exit 0; fi
exec REAL "$@"
"""

# The conditions action.yml uses, as this stand-in runner decides them (a new one fails the test).
CONDITIONS = {
    "${{ always() && inputs.upload-sarif == 'true' && hashFiles('archguard.sarif') != '' }}": "sarif",
    "${{ steps.base.outputs.sha != '' }}": "base found",
    "${{ github.event_name == 'pull_request' && inputs.comment == 'true' && steps.diff.outcome == 'success' }}": "pr",
}


def evaluate(expression: str, context: dict[str, Any]) -> str:
    """``${{ a || b }}`` with dotted names looked up in CONTEXT (missing: empty)."""

    def value(match: re.Match[str]) -> str:
        for name in match.group(1).split("||"):
            found: Any = context
            for part in name.strip().split("."):
                found = found.get(part, "") if isinstance(found, dict) else ""
            if found:
                return str(found)
        return ""

    return re.sub(r"\$\{\{(.*?)\}\}", value, expression)


def run_action(
    repo: Path, work: Path, pr_base: str, inputs: dict[str, str] | None = None
) -> tuple[int, dict]:
    action = yaml.safe_load(ACTION.read_text())
    tools = work / "bin"
    tools.mkdir(exist_ok=True)
    (tools / "gh").write_text(GH.replace("PYTHON", sys.executable))
    (tools / "python").write_text(PYTHON.replace("REAL", sys.executable))
    archguard = Path(sys.executable).with_name("archguard")
    (tools / "archguard").write_text(f'#!/bin/sh\nexec "{archguard}" "$@"\n')
    for tool in tools.iterdir():
        tool.chmod(0o755)
    declared = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    context: dict[str, Any] = {
        "inputs": {**declared, "github-token": "token", **(inputs or {})},
        "github": {
            "event_name": "pull_request",
            "repository": "o/r",
            "sha": git(repo, "rev-parse", "HEAD").strip(),
            "event": {"pull_request": {"base": {"sha": pr_base}, "number": "7"}},
        },
        "runner": {"os": "Linux"},
        "steps": {},
    }
    summary = work / "summary.md"
    extra_env: dict[str, str] = {}
    code = 0
    for step in action["runs"]["steps"]:
        condition = step.get("if")
        if condition is not None:
            assert condition in CONDITIONS, f"a condition this runner does not know: {condition}"
            kind = CONDITIONS[condition]
            if kind == "sarif":
                go = (repo / "archguard.sarif").exists()
            elif kind == "base found":
                go = context["steps"]["base"]["outputs"]["sha"] != ""
            else:
                go = context["steps"].get("diff", {}).get("outcome") == "success"
            if not go:
                continue
        if "uses" in step:
            if step["uses"].startswith("github/codeql-action/upload-sarif"):
                sarif = json.loads((repo / step["with"]["sarif_file"]).read_text())
                assert sarif["version"] == "2.1.0"
            continue
        output = work / f"output-{step.get('id', 'x')}"
        output.write_text("")
        env = {
            **GIT_ENV,
            **extra_env,
            "PATH": f"{tools}{os.pathsep}{GIT_ENV['PATH']}",
            "GITHUB_OUTPUT": str(output),
            "GITHUB_ENV": str(work / "github-env"),
            "GITHUB_STEP_SUMMARY": str(summary),
            "FAKE_GH_STORE": str(work / "comments.json"),
            "FAKE_PIP_LOG": str(work / "pip.log"),
            **{k: evaluate(str(v), context) for k, v in step.get("env", {}).items()},
        }
        ran = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        if "id" in step:
            context["steps"][step["id"]] = {
                "outputs": outputs,
                "outcome": "success" if ran.returncode == 0 else "failure",
            }
        if (work / "github-env").exists():
            extra_env.update(
                line.split("=", 1) for line in (work / "github-env").read_text().splitlines() if "=" in line
            )
        if ran.returncode != 0:
            code = ran.returncode
            assert step["name"] == "Verdict", (step["name"], ran.stderr)
            break
    return code, {
        "summary": summary.read_text() if summary.exists() else "",
        "comments": json.loads((work / "comments.json").read_text())
        if (work / "comments.json").exists()
        else [],
        "pip": (work / "pip.log").read_text(),
        "outputs": context["steps"],
    }


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, str]:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    base = commit(repo, "base", BASE)
    commit(repo, "the pull request", {"app/new.py": "from app.core.compat import Manager\n"})
    return repo, base


def test_the_actions_steps_check_diff_summary_and_one_comment_edited_in_place(
    pull_request: tuple[Path, str], tmp_path: Path
) -> None:
    repo, base = pull_request
    work = tmp_path / "runner"
    work.mkdir()
    code, seen = run_action(repo, work, base)
    assert code == 1  # the pull request adds a violation: the job fails, as check does
    assert "archguard" in seen["pip"]
    assert seen["summary"].startswith(MARKER) and "app/new.py" in seen["summary"]
    assert seen["outputs"]["diff"]["outputs"]["new-violations"] == "1"
    assert len(seen["comments"]) == 1 and "app/new.py" in seen["comments"][0]["body"]
    # the author fixes it: the next run edits the same comment
    write_tree(repo, {"app/new.py": "from app.core.manager import Manager\n"})
    git(repo, "commit", "-qam", "fix")
    (repo / "archguard.sarif").unlink()
    code, seen = run_action(repo, work, base)
    assert code == 0
    assert len(seen["comments"]) == 1 and "no new violations" in seen["comments"][0]["body"]
    assert "--method PATCH" in (work / "comments.json.log").read_text()


def test_a_base_that_looks_like_an_option_is_refused(pull_request: tuple[Path, str], tmp_path: Path) -> None:
    repo, _ = pull_request
    work = tmp_path / "runner"
    work.mkdir()
    with pytest.raises(AssertionError, match="Find the base commit"):
        run_action(repo, work, "--upload-pack=touch /tmp/x")
