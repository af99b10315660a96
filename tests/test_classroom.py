"""The classroom editions: solutions stripped as otter-grader strips them, nothing leaks, one source."""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from tools import build_classroom, classroom

ROOT = Path(__file__).resolve().parents[1]
LESSONS = build_classroom.lessons()
CHECK_CALL = re.compile(r"^check\.(q\d+)\(", re.M)


def test_a_marked_line_keeps_its_assignment_and_other_lines_become_an_ellipsis():
    source = "x = 2719  # SOLUTION\nprint(x)\n    return x + 1 # SOLUTION\nshares[0] = s  #SOLUTION"
    assert classroom.student_source(source) == "x = ...\nprint(x)\n    ...\nshares[0] = ..."


def test_a_block_becomes_one_ellipsis_at_its_indentation():
    source = ("def f(x):\n    \"\"\"Doc.\"\"\"\n    # BEGIN SOLUTION\n    y = x + 1\n    return y\n"
              "    # END SOLUTION\n\nprint(f(1))")
    assert classroom.student_source(source) == 'def f(x):\n    """Doc."""\n    ...\n\nprint(f(1))'
    assert classroom.teacher_source(source) == 'def f(x):\n    """Doc."""\n    y = x + 1\n    return y\n\nprint(f(1))'
    assert classroom.solution_lines(source) == ["y = x + 1", "return y"]


def test_comparisons_are_not_taken_for_assignments():
    assert classroom.student_source("ok = a == b  # SOLUTION") == "ok = ..."
    assert classroom.student_source("a == b  # SOLUTION") == "..."


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.fixture(scope="module", params=LESSONS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def lesson(request):
    notebook = jupytext.read(request.param)
    final = nbformat.v4.new_code_cell(build_classroom.FINAL_CHECK)
    return notebook, classroom.student_edition(notebook), classroom.teacher_edition(notebook, final)


def test_no_student_edition_contains_a_solution_line_or_a_hidden_check(lesson):
    source, student, _ = lesson
    assert any(classroom.is_solution(cell) for cell in source.cells), "a lesson without solutions"
    assert classroom.leaked_solution_lines(source, student) == []
    assert not any(classroom.HIDDEN_TAG in classroom.tags(cell) for cell in student.cells)
    assert "SOLUTION" not in "".join(cell.source for cell in code_cells(student))


def test_the_leak_check_finds_a_leaked_line():
    source = jupytext.reads('```python tags=["solution"]\nsecret = 42  # SOLUTION\nloss.backward()  # SOLUTION\n```\n\n'
                            '```python\nloss.backward()\n```\n', fmt="md")
    assert classroom.leaked_solution_lines(source, source) == ["secret = 42"]
    assert classroom.leaked_solution_lines(source, classroom.student_edition(source)) == []


def test_the_teacher_edition_is_the_lab_notebook_with_solutions_shown_and_a_final_check(lesson):
    source, _, teacher = lesson
    assert teacher.cells[-1].source == build_classroom.FINAL_CHECK
    assert [classroom.teacher_source(c.source) if classroom.is_solution(c) else c.source for c in source.cells] == \
           [cell.source for cell in teacher.cells[:-1]]
    assert not any(cell.metadata.get("jupyter", {}).get("source_hidden") for cell in teacher.cells)
    assert "SOLUTION" not in "".join(cell.source for cell in code_cells(teacher))


def test_every_lesson_has_three_checked_exercises_with_a_collapsed_solution_and_ends_with_its_progress(lesson):
    source, _, _ = lesson
    checked = set(CHECK_CALL.findall("\n".join(cell.source for cell in code_cells(source))))
    assert len(checked) >= 3, checked
    solutions = [cell for cell in code_cells(source) if classroom.is_solution(cell)]
    assert len(solutions) >= 3 and all(cell.metadata["jupyter"]["source_hidden"] for cell in solutions)
    last_code = [cell for cell in code_cells(source) if "check." in cell.source][-1]
    assert classroom.SUMMARY_TAG in classroom.tags(last_code) and last_code.source == "check.summary()"
