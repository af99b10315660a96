"""Checklist: the checked exercises of one lesson, and the progress table at its end.

A lesson module registers each exercise's check with a decorator::

    check = Checklist("03-secret-sharing")

    @check.exercise("q1", N_("Put a secret back together"))
    def _(secret):
        expect(torch.is_tensor(secret), N_("Expected a tensor, got {kind}."), kind=type(secret).__name__)
        expect(secret.tolist() == [42, 7, -3], N_("..."), hint=N_("Add the shares."))

    @check.hidden("q1")                     # run by the teacher edition, not shown to learners
    def _(secret): ...

and the notebook calls ``check.q1(secret)``, ``check.q1.hidden(secret)`` and
``check.summary()``. Whatever the answer is, a check returns a
:class:`Verdict` and never raises: an unfinished answer (``...``), a wrong
value or an answer that raises all become a verdict that says what to fix.
"""

import ast
import inspect
import textwrap

from ..i18n import N_, _
from . import verdict
from .verdict import Verdict

__all__ = ["Checklist", "NotYet", "expect", "answer_of"]

UNFINISHED = N_("Replace the ... with your answer, then run the cell again.")
RAISED = N_("Checking your answer raised {error}: {detail}")
RAISED_HINT = N_("Run your answer on its own first and read the error message.")
RETURNED_NONE = N_("Your function returned None.")
RETURNED_NONE_HINT = N_("Does it end with a return statement?")
EXERCISE = N_("Exercise")
RESULT = N_("Result")
NOT_TRIED = N_("not tried yet")
PROGRESS = N_("Your progress: {passed} of {total} checks passed")


class NotYet(Exception):
    """Raised inside a check for a wrong answer; the checklist turns it into a verdict."""

    def __init__(self, message, hint="", **fields):
        super().__init__(message)
        self.message, self.hint, self.fields = message, hint, fields


def expect(condition, message, hint="", **fields):
    """Stop the check with ``message`` (and ``hint``), both ``N_()`` strings formatted with ``fields``,
    unless ``condition`` holds."""
    if not condition:
        raise NotYet(message, hint, **fields)


def answer_of(function, *args):
    """Call a learner's function; an unfinished body (``...``, or no return) becomes a NotYet."""
    result = function(*args)
    if result is Ellipsis or (result is None and _body_is_ellipsis(function)):
        raise NotYet(UNFINISHED)
    if result is None:
        raise NotYet(RETURNED_NONE, RETURNED_NONE_HINT)
    return result


def _body_is_ellipsis(function):
    """Whether a function's body is only ``...`` (after its docstring): a student edition's blank."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False
    definition = tree.body[0] if tree.body else None
    if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
        and body[0].value.value is Ellipsis


class Exercise:
    """One checked exercise: ``exercise(answer)`` runs the public check, ``.hidden(answer)`` the teacher's."""

    def __init__(self, checklist, exercise_id, title, check):
        self.checklist, self.id, self.title, self._check = checklist, exercise_id, title, check
        self._hidden = None

    def __call__(self, *answers):
        return self.checklist._judge(self.id, self._check, answers, hidden=False)

    def hidden(self, *answers):
        """The check that the teacher edition (and a grader) runs, with cases a learner does not see."""
        if self._hidden is None:
            raise AttributeError(f"exercise {self.id} has no hidden check")
        return self.checklist._judge(self.id, self._hidden, answers, hidden=True)

    def __repr__(self):
        return f"<exercise {self.id} of {self.checklist.lesson}: {self.title}>"


class Summary(dict):
    """``{exercise id: passed}``, shown as a progress table in a notebook."""

    def __init__(self, titles, results):
        super().__init__({key: bool(results.get(key)) for key in titles})
        self._titles, self._tried = titles, set(results) & set(titles)

    def _repr_html_(self):
        from ..widgets.common import heading, table
        rows = []
        for key, title in self._titles.items():
            if key not in self._tried:
                state = "— " + _(NOT_TRIED)
            else:
                mark, word = (verdict.MARK_PASSED, verdict.PASSED) if self[key] else (verdict.MARK_NOT_YET, verdict.NOT_YET)
                state = f"{mark} {_(word)}"
            label = _(verdict.HIDDEN if key.endswith(".hidden") else verdict.EXERCISE).format(id=key.split(".")[0].lstrip("q"))
            rows.append((f"{label}: {_(title)}", state))
        head = _(PROGRESS).format(passed=sum(self.values()), total=len(self))
        return heading(head) + table([_(EXERCISE), _(RESULT)], rows)


class Checklist:
    """The checked exercises of one lesson (see the module docstring)."""

    def __init__(self, lesson):
        self.lesson = lesson
        self._exercises = {}
        self._results = {}

    def exercise(self, exercise_id, title):
        """Register the decorated function as the public check of ``exercise_id``."""
        def register(check):
            self._exercises[exercise_id] = Exercise(self, exercise_id, title, check)
            return check
        return register

    def hidden(self, exercise_id):
        """Register the decorated function as the hidden check of an exercise registered before."""
        def register(check):
            self._exercises[exercise_id]._hidden = check
            return check
        return register

    def __getattr__(self, name):
        exercises = self.__dict__.get("_exercises", {})
        if name in exercises:
            return exercises[name]
        known = ", ".join(exercises) or "none"
        raise AttributeError(f"lesson {self.__dict__.get('lesson')} has no exercise {name!r}; its exercises: {known}")

    def __dir__(self):
        return [*super().__dir__(), *self._exercises]

    @property
    def exercises(self):
        """The registered exercises, in order, by id."""
        return dict(self._exercises)

    def summary(self):
        """``{exercise id: passed}`` for every exercise (False if not tried yet), and each hidden check
        that ran as ``'q1.hidden'``; in a notebook it shows itself as a progress table."""
        titles = {}
        for exercise in self._exercises.values():
            titles[exercise.id] = exercise.title
            if f"{exercise.id}.hidden" in self._results:
                titles[f"{exercise.id}.hidden"] = exercise.title
        return Summary(titles, self._results)

    def assert_all_passed(self):
        """Raise AssertionError unless every exercise and every hidden check ran and passed (teacher edition)."""
        missing = []
        for exercise in self._exercises.values():
            keys = [exercise.id] + ([f"{exercise.id}.hidden"] if exercise._hidden is not None else [])
            missing += [key for key in keys if not self._results.get(key)]
        assert not missing, f"{self.lesson}: these checks did not pass: {', '.join(missing)}"
        return True

    def reset(self):
        """Forget every result (a fresh start, e.g. for a second attempt)."""
        self._results.clear()

    def _judge(self, exercise_id, check, answers, hidden):
        key = f"{exercise_id}.hidden" if hidden else exercise_id
        verdict = _run(exercise_id, check, answers, hidden)
        self._results[key] = verdict.passed
        return verdict


def _run(exercise_id, check, answers, hidden):
    if any(answer is Ellipsis for answer in answers):
        return Verdict(exercise_id, False, _(UNFINISHED), hidden=hidden)
    try:
        check(*answers)
    except NotYet as failure:
        message = _(failure.message).format(**failure.fields)
        hint = _(failure.hint).format(**failure.fields) if failure.hint else ""
        return Verdict(exercise_id, False, message, hint, hidden=hidden)
    except Exception as error:  # a check never raises: the learner's answer may do anything
        detail = str(error).splitlines()[0] if str(error) else ""
        message = _(RAISED).format(error=type(error).__name__, detail=detail)
        return Verdict(exercise_id, False, message, _(RAISED_HINT), hidden=hidden)
    return Verdict(exercise_id, True, hidden=hidden)
