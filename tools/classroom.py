"""The classroom editions of a lesson, built from the one jupytext source.

Solutions are marked in the lessons as otter-grader marks them, in code
cells tagged ``solution``:

    stored = 2718  # SOLUTION                 -> stored = ...
    def f(x):
        # BEGIN SOLUTION                      -> def f(x):
        return x + 1                                ...
        # END SOLUTION

Cells tagged ``hidden-check`` run a lesson's hidden checks
(``check.q1.hidden(...)``). The editions:

- **student**: solutions replaced by ``...`` (as otter assign does), hidden
  checks dropped; the lesson still runs top to bottom, its checks say "not yet";
- **teacher**: solutions in place without their markers, hidden checks kept,
  and a last cell that fails unless every check of the lesson passed.

In the lab notebooks (``notebooks/<lang>/*.md``) solution cells are collapsed
(``source_hidden``); both editions show every cell's source.
"""

import copy
import re

SOLUTION_TAG = "solution"
HIDDEN_TAG = "hidden-check"
SUMMARY_TAG = "progress"
BLOCK_PROMPT = "..."

_ASSIGNMENT = re.compile(r"^(\s*[\w. \[\],()]*=)(?!=).*?\s*# ?SOLUTION\s*$")
_LINE = re.compile(r"^(\s*).*?\s*# ?SOLUTION\s*$")
_BEGIN = re.compile(r"^(\s*)# ?BEGIN SOLUTION\s*$")
_END = re.compile(r"^\s*# ?END SOLUTION\s*$")
_MARKER = re.compile(r"\s*# ?SOLUTION\s*$")


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def is_solution(cell):
    return cell.cell_type == "code" and SOLUTION_TAG in tags(cell)


def student_source(source):
    """The source with every solution line and block replaced by ``...``."""
    lines, inside = [], False
    for line in source.splitlines():
        if inside:
            inside = not _END.match(line)
            continue
        begin = _BEGIN.match(line)
        if begin:
            lines.append(begin.group(1) + BLOCK_PROMPT)
            inside = True
        elif _ASSIGNMENT.match(line):
            lines.append(_ASSIGNMENT.match(line).group(1) + " " + BLOCK_PROMPT)
        elif _LINE.match(line):
            lines.append(_LINE.match(line).group(1) + BLOCK_PROMPT)
        else:
            lines.append(line)
    return "\n".join(lines)


def teacher_source(source):
    """The source with its solutions in place and the markers removed."""
    lines = [_MARKER.sub("", line) for line in source.splitlines() if not (_BEGIN.match(line) or _END.match(line))]
    return "\n".join(lines)


def solution_lines(source):
    """The lines of a source that a student edition must not contain (marked lines and block bodies)."""
    found, inside = [], False
    for line in source.splitlines():
        if _BEGIN.match(line):
            inside = True
        elif _END.match(line):
            inside = False
        elif inside or _MARKER.search(line):
            found.append(_MARKER.sub("", line).strip())
    return [line for line in found if line and line != BLOCK_PROMPT]


def leaked_solution_lines(source, edition):
    """The solution lines of the notebook ``source`` that the ``edition`` built from it still contains.

    A line counts only if it is not also ordinary lesson code (a solution may
    repeat the lesson's ``loss.backward()``)."""
    code = [cell for cell in source.cells if cell.cell_type == "code"]
    secret = {line for cell in code if is_solution(cell) for line in solution_lines(cell.source)}
    public = {line.strip() for cell in code if not is_solution(cell) for line in cell.source.splitlines()}
    shown_lines = {_MARKER.sub("", line).strip() for cell in edition.cells if cell.cell_type == "code"
                   for line in cell.source.splitlines()}
    return sorted((secret - public) & shown_lines)


def shown(cell):
    """A copy of a cell with its source visible (the lab notebooks collapse solutions)."""
    cell = copy.deepcopy(cell)
    cell.metadata.get("jupyter", {}).pop("source_hidden", None)
    if cell.metadata.get("jupyter") == {}:
        del cell.metadata["jupyter"]
    return cell


def student_edition(notebook):
    """A copy of ``notebook`` for learners: no solutions, no hidden checks."""
    edition = copy.deepcopy(notebook)
    cells = []
    for cell in edition.cells:
        if HIDDEN_TAG in tags(cell):
            continue
        cell = shown(cell)
        if is_solution(cell):
            cell.source = student_source(cell.source)
        cells.append(cell)
    edition.cells = cells
    return edition


def teacher_edition(notebook, final_check):
    """A copy of ``notebook`` with solutions and hidden checks, ending with ``final_check`` (a code cell)."""
    edition = copy.deepcopy(notebook)
    cells = []
    for cell in edition.cells:
        cell = shown(cell)
        if is_solution(cell):
            cell.source = teacher_source(cell.source)
        cells.append(cell)
    edition.cells = cells + [final_check]
    return edition
