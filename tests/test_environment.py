"""pyproject.toml is the one dependency list; environment.yml must name the same packages."""
import re
from pathlib import Path

import pytest
import yaml

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11's tomllib")

ROOT = Path(__file__).resolve().parents[1]


def package_names(requirements) -> set:
    return {re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].strip().lower().replace("_", "-") for r in requirements}


def test_environment_yml_and_pyproject_name_the_same_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_side = package_names(project["dependencies"] + project["optional-dependencies"]["test"])
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda_side = package_names(d for d in conda if isinstance(d, str)) - {"python", "pip"}
    assert conda_side == pip_side, (
        f"only in environment.yml: {sorted(conda_side - pip_side)}; only in pyproject.toml: {sorted(pip_side - conda_side)}")


def test_environment_yml_and_pyproject_agree_on_versions():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {package_names([r]).pop(): r.replace(" ", "") for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    for dep in (d for d in conda if isinstance(d, str)):
        name = package_names([dep]).pop()
        if name in pins:
            assert dep.replace(" ", "") == pins[name], f"{name}: environment.yml says {dep!r}, pyproject {pins[name]!r}"
