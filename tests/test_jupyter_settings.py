"""The JupyterLab settings the course ships (jupyter/overrides.json): valid for the installed
JupyterLab, and installed where JupyterLab reads them by `make venv` / postBuild."""
import json
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = json.loads((ROOT / "jupyter" / "overrides.json").read_text())
LAB = Path(sys.prefix) / "share" / "jupyter" / "lab"


def test_widget_callbacks_stay_on_the_kernels_main_thread():
    assert SHIPPED["@jupyterlab/apputils-extension:kernels-settings"]["commsOverSubshells"] == "disabled"


@pytest.mark.parametrize("plugin", sorted(SHIPPED))
def test_each_shipped_setting_is_one_the_installed_jupyterlab_has(plugin):
    package, name = plugin.rsplit(":", 1)
    schema_file = LAB / "schemas" / package / f"{name}.json"
    assert schema_file.is_file(), f"JupyterLab here has no settings plugin {plugin}"
    schema = json.loads(schema_file.read_text())
    for key, value in SHIPPED[plugin].items():
        assert key in schema["properties"], f"{plugin} has no setting {key!r}"
        jsonschema.validate(value, schema["properties"][key])


def test_make_venv_installed_the_settings_where_jupyterlab_reads_them():
    installed = LAB / "settings" / "overrides.json"
    assert installed.is_file(), f"{installed} is missing: `make venv` (or postBuild) installs it"
    settings = json.loads(installed.read_text())
    assert all(settings.get(plugin, {}).items() >= values.items() for plugin, values in SHIPPED.items())
