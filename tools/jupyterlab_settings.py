"""Make JupyterLab open jupytext Markdown (.md) files as notebooks (and render every cell).

Usage: python tools/jupyterlab_settings.py PREFIX   (e.g. .venv or $CONDA_PREFIX)
Writes PREFIX/share/jupyter/lab/settings/overrides.json, which JupyterLab
reads at start-up; existing settings in that file are kept.
"""

import json
import sys
from pathlib import Path

VIEWERS = {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}
# Tutorials are short: render every cell (so widgets and figures are always drawn),
# and do not ask learners about news feeds in a classroom.
OTHER = {
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
}


def main(prefix):
    path = Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = json.loads(path.read_text()) if path.exists() else {}
    docmanager = settings.setdefault("@jupyterlab/docmanager-extension:plugin", {})
    docmanager.setdefault("defaultViewers", {}).update(VIEWERS)
    for plugin, values in OTHER.items():
        settings.setdefault(plugin, {}).update(values)
    path.write_text(json.dumps(settings, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else sys.prefix)
