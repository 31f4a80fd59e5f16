"""Concept contract files: what loads, and the one clear error (file, line) for what does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from archguard.adapters.project_files.contract_files import load_contracts
from archguard.adapters.project_files.project_config import read_project_options
from archguard.domain.errors import ConfigError


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_every_concept_of_every_file_with_its_source_line(tmp_path: Path) -> None:
    contracts = tmp_path / "contracts"
    write(contracts, "a.toml", '''
[[concept]]
name = "websocket-manager"
canonical = "app.realtime.manager:ConnectionManager"
also = ["UnifiedConnectionManager", "LegacyManager"]
allowed_importers = ["app.realtime.**"]
reason = "one manager; see ADR-12"

[[concept]]
name = "settings"
canonical = "app.config:load_settings"
''')
    write(contracts, "b.toml", '[[concept]]\nname = "db"\ncanonical = "app.db:Engine"\n')

    loaded = load_contracts(contracts, display_root=tmp_path)

    assert [c.name for c in loaded] == ["websocket-manager", "settings", "db"]
    ws = loaded[0]
    assert ws.canonical_module == "app.realtime.manager"
    assert ws.canonical_name == "ConnectionManager"
    assert ws.also == ("UnifiedConnectionManager", "LegacyManager")
    assert ws.allowed_importers == ("app.realtime.**",)
    assert ws.reason == "one manager; see ADR-12"
    assert ws.source == "contracts/a.toml:2"
    assert loaded[1].source == "contracts/a.toml:9"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[concept]]\nname = "x"\ncanonical = "app.x:Y"\nfrobnicate = 1\n', "contracts/c.toml:4: unknown field 'frobnicate'"),
        ('[[concept]]\nname = "x"\ncanonical = "app.x.Y"\n', "contracts/c.toml:3: canonical 'app.x.Y' must be written module:Name"),
        ('[[concept]]\nname = "x"\n', "contracts/c.toml:1: concept needs a non-empty string 'canonical'"),
        ('[[concept]]\nname = "x"\ncanonical = "a:B"\nalso = "B2"\n', "contracts/c.toml:4: 'also' must be a list of strings"),
        ('[[concept]]\nname = "x"\ncanonical = "a:B\n', "contracts/c.toml:3: not valid TOML"),
        ('[concepts]\nname = "x"\n', "contracts/c.toml:1: unknown table or key 'concepts'"),
    ],
)
def test_bad_contract_files_name_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path / "contracts", "c.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_contracts(tmp_path / "contracts", display_root=tmp_path)
    assert str(caught.value).startswith(expected)


def test_duplicate_concept_names_are_rejected(tmp_path: Path) -> None:
    write(tmp_path / "contracts", "a.toml", '[[concept]]\nname = "x"\ncanonical = "a:B"\n')
    write(tmp_path / "contracts", "b.toml", '\n[[concept]]\nname = "x"\ncanonical = "a:C"\n')
    with pytest.raises(ConfigError, match=r"contracts/b.toml:2: concept name 'x' is already used at contracts/a.toml:1"):
        load_contracts(tmp_path / "contracts", display_root=tmp_path)


def test_project_options_come_from_tool_archguard(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.archguard]\nexclude = ["backups/**"]\ntarget-python = "3.11"\npackage = "app"\n')
    assert read_project_options(tmp_path) == {"exclude": ["backups/**"], "target_python": "3.11", "package": ["app"]}


def test_unknown_project_option_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.archguard]\nexclud = ["x"]\n')
    with pytest.raises(ConfigError, match="unknown option 'exclud'"):
        read_project_options(tmp_path)


def test_no_pyproject_means_no_options(tmp_path: Path) -> None:
    assert read_project_options(tmp_path) == {}
