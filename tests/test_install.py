"""The package works installed (not editable) in a fresh environment: what the notebooks read ships inside it.

The fresh venv gets rrnn from a copy of the repository, built and installed without the network;
its dependencies (numpy, matplotlib, ...) come from this environment's site-packages through a .pth
file, read after the venv's own site-packages. A .pth line adds a plain path, so this environment's
editable install of rrnn (a finder that a .pth file in a *site* directory would install) stays out.
"""
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Run in the fresh venv, from a folder outside the checkout: everything the notebooks call that reads
# a file, and where it read it from.
READS_FILES = """
import json, sys
import rrnn
from rrnn import ablations, pretrained, seed_models
loaded = {task: sorted(type(pretrained.load(name, task)[0]).__name__ for name in names)
          for task, names in pretrained.TASKS.items()}
print(json.dumps({
    "rrnn": rrnn.__file__, "pretrained": pretrained.__file__,
    "which_pattern_records": str(seed_models.RECORDS), "ablation_records": str(ablations.FOLDER),
    "loaded": loaded, "which_pattern_runs": len(seed_models.load_records()),
    "ablation_runs": len(ablations.load_records()),
    "sys_path": sys.path,
}))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python, site-packages) of a fresh venv holding a non-editable install of this working tree."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    shutil.copytree(REPO / "rrnn", source / "rrnn", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    venv.create(root / "venv", with_pip=False)
    python = root / "venv" / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")   # pip, setuptools, numpy, ...
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--no-build-isolation", "--quiet",
                    str(source)], check=True, cwd=root, env=env, capture_output=True, timeout=120)
    shutil.rmtree(source)          # nothing left to read but the installed copy
    return python, site, root, env


@pytest.mark.skipif(sys.platform == "win32", reason="the venv layout (bin/python) is POSIX")
def test_an_installed_package_reads_everything_from_site_packages(installed):
    python, site, root, env = installed
    outside = root / "elsewhere"
    outside.mkdir()
    result = subprocess.run([python, "-c", READS_FILES], capture_output=True, text=True, cwd=outside, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    for key in ("rrnn", "pretrained", "which_pattern_records", "ablation_records"):
        assert Path(found[key]).is_relative_to(site / "rrnn"), (key, found[key])
    assert str(REPO) not in found["sys_path"], found["sys_path"]
    assert found["loaded"] == {
        "nth-farthest": ["HybridClassifier", "LSTMClassifier", "RMCClassifier"],
        "which-pattern": ["HybridClassifier", "LSTMClassifier"] + ["RMCClassifier"] * 4}
    assert found["which_pattern_runs"] == 18 and found["ablation_runs"] == 42


def test_every_citation_of_docs_rmc_names_a_section_it_has():
    """README, package, tests and experiments cite the project's own account of the RMC by section."""
    headings = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", (REPO / "docs" / "rmc.md").read_text(), re.M))
    files = [REPO / "README.md", *REPO.glob("rrnn/**/*.py"), *REPO.glob("tests/*.py"), *REPO.glob("experiments/**/*.py")]
    cited = {(path.relative_to(REPO).as_posix(), section) for path in files
             for section in re.findall(r"docs/rmc\.md\S*\s+§(\d+(?:\.\d+)?)", path.read_text())}
    assert len(cited) >= 8, cited
    assert {(path, section) for path, section in cited if section not in headings} == set(), headings
