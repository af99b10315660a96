"""The setup files agree with each other."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge name, where they differ.
CONDA_NAMES = {"torch": "pytorch-cpu", "msgpack": "msgpack-python"}


def names(requirements):
    return {re.split(r"[<>=!~ \[;]", r, maxsplit=1)[0].strip().lower() for r in requirements}


def test_environment_yml_lists_the_pyproject_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = names(project["dependencies"]) | names(project["optional-dependencies"]["notebook"])
    wanted = {CONDA_NAMES.get(n, n) for n in wanted}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    deps = env["dependencies"]
    conda = names(d for d in deps if isinstance(d, str)) - {"python", "pip"}
    assert conda == wanted
    assert "python=3.11" in deps
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert any(line.replace('"', "").startswith("-e .[notebook") for line in pip)


def test_makefile_pins_torch_first_and_lets_users_override_it():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^TORCH \?= torch==\d", makefile, re.M)
    install = makefile.index('pip install --quiet "$(TORCH)"')
    assert install < makefile.index("pip install --quiet -e")


def test_ci_runs_make_test_then_wire_bytes_then_the_otter_export_then_the_browser_tests_then_the_book():
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.startswith("#")]
    assert commands[-5:] == ["make test", "make test-wire", "make test-otter", "make test-browser", "make test-book"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test-wire:.*\n\tOMP_NUM_THREADS=1 PYPRIVATE_WIRE_BYTES=1 .*pytest .* tests$", makefile, re.M)
