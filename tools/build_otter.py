"""Export the teacher edition of every lesson as an otter-grader master notebook.

Usage: python tools/build_otter.py [OUT_DIR]        (default: build/classroom/otter)
Writes OUT_DIR/<lang>/NN-slug.ipynb from notebooks/<lang>/NN-slug.md, in the
master notebook format of ``otter assign`` (otter-grader >= 5, the "v1" format).
A course then runs, for example::

    otter assign build/classroom/otter/en/03-secret-sharing.ipynb dist/03
    otter run -a dist/03/autograder/03-secret-sharing-autograder_*.zip submission.ipynb

The structure comes from the lesson's checked exercises (see tools/classroom.py):

- a raw ``# ASSIGNMENT CONFIG`` cell first (``CONFIG``);
- for each check cell ``check.qN(answer)``: a question ``qN`` worth one point per
  test. It holds the markdown prompt just before the ``solution`` cells, those
  cells (in their ``# SOLUTION`` markers, which otter strips for the student),
  and as tests the check itself and, marked ``# HIDDEN``, the ``hidden-check``
  cells right after it (``check.qN.hidden(answer)``). Each test imports the
  lesson's checklist again and asserts the verdict, so a failed check fails
  the test with the verdict's message and hint;
- every other cell stays an ordinary cell, its source shown.

Local grading (``otter run``, and the run of the tests in ``otter assign``)
installs nothing: it uses the current environment, which needs pyprivate.
The autograder zip's environment.yml (for a Gradescope image) lists only
otter-grader; a course that grades there adds pyprivate to ``requirements``.
"""

import ast
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_classroom  # noqa: E402
import classroom  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHECKLISTS = "pyprivate.exercises."
CONFIG = {
    "init_cell": True,  # grader = otter.Notebook(...), which grader.check("qN") cells use
    "check_all_cell": False,  # the lesson's own progress cell ends it
    "export_cell": False,  # submissions are the notebook itself, no zip with a PDF
    "solutions_pdf": False,
    "template_pdf": False,
    "run_tests": True,  # otter assign grades its autograder notebook: the solutions must pass
    "strip_solutions_from_all_cells": True,  # a solution cell without a check is stripped too
    "generate": {"pdf": False, "filtering": False},  # an autograder zip for otter run / Gradescope
    "tests": {"files": False, "ok_format": True},
}


def checklist_import(notebook):
    """``(module, name)`` of the lesson's ``from pyprivate.exercises.X import check`` line, or None."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(CHECKLISTS):
                for alias in node.names:
                    if alias.name == "check":
                        return node.module, alias.asname or alias.name
    return None


def check_call(cell, name):
    """``(exercise id, hidden, call source)`` if the cell is just ``name.qN(...)`` or
    ``name.qN.hidden(...)``, else None."""
    if cell.cell_type != "code":
        return None
    try:
        body = ast.parse(cell.source).body
    except SyntaxError:
        return None
    if len(body) != 1 or not isinstance(body[0], ast.Expr) or not isinstance(body[0].value, ast.Call):
        return None
    call = body[0].value
    func, hidden = call.func, False
    if isinstance(func, ast.Attribute) and func.attr == "hidden":
        func, hidden = func.value, True
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == name):
        return None
    if not func.attr.startswith("q"):  # check.summary(), check.reset(), ...
        return None
    return func.attr, hidden, ast.unparse(call)


def raw(text):
    return nbformat.v4.new_raw_cell(text)


def assertion_cell(checklist, call, hidden):
    """A test cell: the check's verdict asserted, with the verdict as the failure message."""
    module, name = checklist
    lines = ["# HIDDEN"] if hidden else []
    lines += [f"from {module} import check" + (f" as {name}" if name != "check" else ""),
              f"verdict = {call}", "assert verdict, verdict"]
    return nbformat.v4.new_code_cell("\n".join(lines))


def question(exercise_id, prompt, solutions, tests):
    """The cells of one otter question: prompt, solution block, tests block."""
    config = yaml.safe_dump({"name": exercise_id, "points": len(tests)}, sort_keys=False)
    cells = [raw("# BEGIN QUESTION\n" + config.strip())] + prompt
    if solutions:
        cells += [raw("# BEGIN SOLUTION"), *solutions, raw("# END SOLUTION")]
    return cells + [raw("# BEGIN TESTS"), *tests, raw("# END TESTS"), raw("# END QUESTION")]


def master_cells(cells, checklist):
    """The lesson's cells with each checked exercise turned into an otter question."""
    out, start = [], 0
    for index, cell in enumerate(cells):
        found = checklist and check_call(cell, checklist[1])
        if not found or found[1]:
            continue
        exercise_id, _, call = found
        first = index
        while first > start and classroom.is_solution(cells[first - 1]):
            first -= 1
        solutions = cells[first:index]
        prompt = []
        if first > start and cells[first - 1].cell_type == "markdown":
            first -= 1
            prompt = [cells[first]]
        tests, end = [assertion_cell(checklist, call, hidden=False)], index + 1
        while end < len(cells) and classroom.HIDDEN_TAG in classroom.tags(cells[end]):
            hidden = check_call(cells[end], checklist[1])
            if not hidden or hidden[:2] != (exercise_id, True):
                raise ValueError(f"a hidden-check cell after check.{exercise_id} that is not "
                                 f"check.{exercise_id}.hidden(...): {cells[end].source!r}")
            tests.append(assertion_cell(checklist, hidden[2], hidden=True))
            end += 1
        out += cells[start:first] + question(exercise_id, prompt, solutions, tests)
        start = end
    out += cells[start:]
    stray = [cell.source for cell in out if classroom.HIDDEN_TAG in classroom.tags(cell)]
    if stray:
        raise ValueError(f"hidden-check cells that do not follow their exercise's check: {stray}")
    return out


def master_notebook(notebook, name):
    """The otter master notebook of a lesson (a jupytext notebook), for an assignment called ``name``."""
    master = nbformat.v4.new_notebook(metadata=dict(notebook.metadata, kernelspec=build_classroom.KERNEL))
    cells = [classroom.shown(cell) for cell in notebook.cells]
    config = yaml.safe_dump({"name": name, **CONFIG}, sort_keys=False)
    master.cells = [raw("# ASSIGNMENT CONFIG\n" + config.strip())]
    master.cells += master_cells(cells, checklist_import(notebook))
    return master


def main(out_dir):
    out_dir = Path(out_dir)
    sources = build_classroom.lessons()
    for source in sources:
        # one name in every language: each language's autograder grades any language's submission
        master = master_notebook(jupytext.read(source), source.stem)
        target = out_dir / source.parent.name / f"{source.stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(master, target)
    print(f"built the otter-grader master notebooks of {len(sources)} lessons into {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "classroom" / "otter")
