from shopapp.config import load_settings
from shopapp.utils.settings import load_settings as load_json_settings


def test_missing_files_give_empty_settings(tmp_path):
    assert load_settings(tmp_path / "none.toml") == {}
    assert load_json_settings(str(tmp_path / "none.json")) == {}
