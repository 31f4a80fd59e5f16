from shopapp.plugins import load_plugins


def test_plugins_load():
    plugins = load_plugins()
    if len(plugins) != 2:
