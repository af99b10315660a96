"""tools/build_otter.py: the otter-grader master notebooks, and (with otter installed) a real grading.

The fast tests read the export of lesson 3 without otter. The slow test runs
``otter assign`` on it and ``otter run`` (the local grader, no docker) on a
correct and a wrong submission, and compares the per-question scores.
"""

import ast
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

from tools import build_otter, classroom

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "notebooks" / "en" / "03-secret-sharing.md"
CHECK_CELL = re.compile(r"^check\.(q\d+)(\.hidden)?\((.*)\)\s*$")
HAS_OTTER = importlib.util.find_spec("otter") is not None


def blocks(master):
    """``{question name: {"config", "prompt", "solutions", "tests"}}`` read from the raw boundary cells."""
    questions, current, block = {}, None, None
    for cell in master.cells:
        first = cell.source.splitlines()[0] if cell.source else ""
        if cell.cell_type == "raw" and first.startswith("# BEGIN "):
            block = first[len("# BEGIN "):].lower()
            if block == "question":
                config = yaml.safe_load(cell.source)
                current = questions[config["name"]] = {"config": config, "prompt": [], "solutions": [], "tests": []}
        elif cell.cell_type == "raw" and first == "# END QUESTION":
            current = block = None
        elif cell.cell_type == "raw" and first.startswith("# END "):
            block = "question"  # back in the question, after its solution or tests block
        elif current is not None:
            current[{"question": "prompt", "solution": "solutions", "tests": "tests"}[block]].append(cell)
    return questions


def source_checks(notebook, hidden):
    """``{exercise id: argument}`` of the lesson's ``check.qN(...)`` (or ``.hidden(...)``) cells."""
    found = {}
    for cell in notebook.cells:
        match = CHECK_CELL.match(cell.source.strip()) if cell.cell_type == "code" else None
        if match and bool(match.group(2)) == hidden:
            found[match.group(1)] = match.group(3)
    return found


@pytest.fixture(scope="module")
def lesson():
    return jupytext.read(LESSON)


@pytest.fixture(scope="module")
def master(lesson):
    return build_otter.master_notebook(lesson, LESSON.stem)


def test_the_master_starts_with_an_assignment_config_that_installs_and_exports_nothing(master):
    first = master.cells[0]
    assert first.cell_type == "raw" and first.source.startswith("# ASSIGNMENT CONFIG\n")
    config = yaml.safe_load(first.source)
    assert config["name"] == "03-secret-sharing"
    assert config["solutions_pdf"] is False and config["export_cell"] is False
    assert config["generate"]["pdf"] is False
    assert "requirements" not in config and "environment" not in config
    assert config.get("runs_on", "default") == "default"  # "colab" would add a %pip install cell
    nbformat.validate(master)


def test_one_question_per_checked_exercise_worth_one_point_per_test(lesson, master):
    from pyprivate.exercises.lesson03 import check

    questions = blocks(master)
    assert list(questions) == list(source_checks(lesson, hidden=False)) == list(check.exercises)
    for name, question in questions.items():
        assert question["config"]["points"] == len(question["tests"])
        assert question["prompt"][0].source.startswith(f"**Exercise {name[1:]}.**")


def test_public_tests_come_from_the_check_cells_and_hidden_tests_are_marked_hidden(lesson, master):
    public, hidden = source_checks(lesson, hidden=False), source_checks(lesson, hidden=True)
    assert hidden, "lesson 3 has hidden checks"
    for name, question in blocks(master).items():
        sources = [cell.source for cell in question["tests"]]
        assert sources[0].splitlines()[1:] == [f"verdict = check.{name}({public[name]})", "assert verdict, verdict"]
        assert not sources[0].startswith("#")  # otter reads a first comment line with "hidden" as hidden
        expected_hidden = [name] if name in hidden else []
        marked = [source for source in sources if source.splitlines()[0] == "# HIDDEN"]
        assert len(marked) == len(expected_hidden) == len(sources) - 1
        for source in marked:
            assert f"verdict = check.{name}.hidden({hidden[name]})" in source.splitlines()
        for source in sources:  # each test imports the real checklist: a learner's own `check` cannot pass it
            assert "from pyprivate.exercises.lesson03 import check" in source
            ast.parse(source)


def test_the_solutions_are_in_solution_blocks_with_their_markers(lesson, master):
    solutions = [cell.source for cell in lesson.cells if classroom.is_solution(cell)]
    in_blocks = [cell.source for question in blocks(master).values() for cell in question["solutions"]]
    assert in_blocks == solutions and all("SOLUTION" in source for source in in_blocks)
    assert not any("source_hidden" in cell.metadata.get("jupyter", {}) for cell in master.cells)


def test_every_other_cell_stays_and_check_cells_become_tests(lesson, master):
    checks = {cell.source for cell in lesson.cells if CHECK_CELL.match(cell.source.strip())}
    kept = [cell.source for cell in lesson.cells if cell.source not in checks]
    tests = {id(cell) for question in blocks(master).values() for cell in question["tests"]}
    ordinary = [cell.source for cell in master.cells[1:] if cell.cell_type != "raw" and id(cell) not in tests]
    assert ordinary == kept
    assert "check.summary()" in kept


def test_a_failed_check_fails_its_test_and_a_passed_one_passes(master):
    public = blocks(master)["q1"]["tests"][0].source
    exec(public, {"stored": 2719})
    for wrong in (2718, ..., "2719"):
        with pytest.raises(AssertionError, match="Exercise 1"):
            exec(public, {"stored": wrong})


def test_every_lesson_in_every_language_is_exported(tmp_path):
    build_otter.main(tmp_path)
    lessons = sorted((ROOT / "notebooks").glob("*/[0-9][0-9]-*.md"))
    assert len(lessons) == 4 * len(list((ROOT / "notebooks" / "en").glob("[0-9][0-9]-*.md"))) >= 28
    for source in lessons:
        master = nbformat.read(tmp_path / source.parent.name / f"{source.stem}.ipynb", as_version=4)
        nbformat.validate(master)
        assert master.cells[0].source.startswith("# ASSIGNMENT CONFIG")
        assert master.metadata["kernelspec"]["name"] == "python3"


def otter(*args, cwd):
    """Run the otter CLI of this environment; fail the test with its output if it fails."""
    run = subprocess.run([sys.executable, "-m", "otter", *args], cwd=cwd, capture_output=True, text=True)
    assert run.returncode == 0, f"otter {args[0]} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"


def grade(autograder, submission, out):
    """Start ``otter run`` on one submission; ``out/results.json`` holds its results."""
    out.mkdir()
    command = [sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(autograder), "-o", str(out), str(submission)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def scores(out):
    results = json.loads((out / "results.json").read_text())
    return {test["name"]: test["score"] for test in results["tests"] if test["name"] != "Public Tests"}


def fill_in(notebook, answers):
    """A copy of a student notebook with the answer cells that start with a key replaced."""
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        for start, answer in answers.items():
            if cell.cell_type == "code" and cell.source.startswith(start):
                cell.source = answer
    return notebook


@pytest.mark.otter
@pytest.mark.skipif(not HAS_OTTER, reason='otter-grader is not installed (the "otter" extra; `make test-otter` installs it)')
def test_otter_assign_and_otter_run_grade_a_correct_and_a_wrong_submission_differently(tmp_path, master):
    nbformat.write(master, tmp_path / "03-secret-sharing.ipynb")
    # the autograder notebook is graded below, so otter assign need not run its tests as well
    otter("assign", "--no-run-tests", "03-secret-sharing.ipynb", "dist", cwd=tmp_path)
    dist = tmp_path / "dist"
    (autograder,) = (dist / "autograder").glob("03-secret-sharing-autograder_*.zip")
    student = nbformat.read(dist / "student" / "03-secret-sharing.ipynb", as_version=4)

    student_code = "\n".join(cell.source for cell in student.cells if cell.cell_type == "code")
    for cell in master.cells:
        if classroom.is_solution(cell):
            for line in classroom.solution_lines(cell.source):
                assert line not in student_code
    cases = [case for test in student.metadata["otter"]["tests"].values() for suite in test["suites"]
             for case in suite["cases"]]
    assert len(cases) == 3 and not any(case["hidden"] or ".hidden(" in case["code"] for case in cases)
    edition = classroom.student_edition(jupytext.read(LESSON))  # otter strips exactly as the student edition does
    ours = [cell.source for cell in edition.cells if cell.cell_type == "code" and not CHECK_CELL.match(cell.source.strip())]
    theirs = [cell.source for cell in student.cells if cell.cell_type == "code" and "grader" not in cell.source]
    assert theirs == ours

    wrong = fill_in(student, {  # q1 wrong; q2 right for two workers only (the hidden check uses 3 and 5); q3 left ...
        "stored = ...": "stored = 2718",
        "def reconstruct(shares):": "def reconstruct(shares):\n    return shares[0] + shares[1]",
    })
    nbformat.write(wrong, tmp_path / "wrong.ipynb")
    runs = {"correct": grade(autograder, dist / "autograder" / "03-secret-sharing.ipynb", tmp_path / "correct"),
            "wrong": grade(autograder, tmp_path / "wrong.ipynb", tmp_path / "wrong")}
    for name, run in runs.items():
        output, _ = run.communicate(timeout=600)
        assert run.returncode == 0, f"otter run on the {name} submission failed:\n{output[-3000:]}"

    assert scores(tmp_path / "correct") == {"q1": 1, "q2": 2, "q3": 2}
    assert scores(tmp_path / "wrong") == {"q1": 0, "q2": 1, "q3": 0}
