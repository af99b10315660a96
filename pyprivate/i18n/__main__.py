"""python -m pyprivate.i18n update | check | status | extract | merge | build [--root DIR]

    update   what translators run: language links in the English notebooks,
             templates, catalogs merged, translated notebooks and documents built, status
    check    what CI runs: exits 1, naming catalogs and entries, unless every
             translation is complete, reviewed and built from the current English
    status   translated / fuzzy / untranslated entries per language and notebook
    extract, merge, build   the steps of update, one at a time
"""

import argparse
import sys
from pathlib import Path

from .build import BuildError
from .check import check
from .layout import Layout
from .status import table
from .workflow import build_all, extract_all, merge_all, statuses, update, update_sources

REPOSITORY = Path(__file__).resolve().parents[2]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pyprivate.i18n", description=__doc__.split("\n\n")[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["update", "check", "status", "extract", "merge", "build"])
    parser.add_argument("--root", type=Path, default=REPOSITORY,
                        help="the repository (with notebooks/ and translations/); default: %(default)s")
    args = parser.parse_args(argv)
    layout = Layout(args.root)
    if not (layout.root / "notebooks" / "en").is_dir():
        parser.error(f"{layout.root} has no notebooks/en/ folder; pass --root")
    try:
        return COMMANDS[args.command](layout)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _update(layout):
    print(table(update(layout)))
    return 0


def _check(layout):
    problems = check(layout)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"\ni18n check failed: {len(problems)} problem(s). Translators: edit the .po files named above, "
              "then run `python -m pyprivate.i18n update`; see translations/README.md.", file=sys.stderr)
        return 1
    documents = f" and {len(layout.documents())} document(s)" if layout.documents() else ""
    print(f"i18n check passed: {len(layout.names())} notebook(s){documents} in {', '.join(layout.languages)}, "
          "complete and built.")
    return 0


def _status(layout):
    print(table(statuses(layout)))
    return 0


def _step(function):
    def run(layout):
        for path in function(layout):
            print(f"wrote {layout.relative(path)}")
        return 0
    return run


COMMANDS = {
    "update": _update,
    "check": _check,
    "status": _status,
    "extract": _step(lambda layout: update_sources(layout) + extract_all(layout)),
    "merge": _step(merge_all),
    "build": _step(build_all),
}

if __name__ == "__main__":
    sys.exit(main())
