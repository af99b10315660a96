"""Verdict: what a check says about one answer, shown in the notebook's language.

A verdict is a value, not an exception: a check never raises, so a wrong
answer never stops a lesson running top to bottom (nbval, a student edition,
a learner pressing "Run all"). It shows itself as a small coloured box in
Jupyter and as one line in a console.
"""

from html import escape

from ..i18n import N_, _

PASSED = N_("passed")
NOT_YET = N_("not yet")
HINT = N_("Hint")
EXERCISE = N_("Exercise {id}")
HIDDEN = N_("Exercise {id} (teacher's check)")

# In every common font (DejaVu, Noto), unlike emoji, which need a colour-emoji font.
MARK_PASSED, MARK_NOT_YET = "✓", "✗"
_COLOURS = {True: ("#e6f4ea", "#1e7b34"), False: ("#fdf3e1", "#9a5b00")}


class Verdict:
    """The result of checking one exercise: ``passed``, and if not, what is wrong and a hint.

    ``message`` and ``hint`` are already translated. ``bool(verdict)`` is
    ``verdict.passed``, so a test may write ``assert check.q1(answer)``.
    """

    def __init__(self, exercise_id, passed, message="", hint="", hidden=False):
        self.exercise_id = exercise_id
        self.passed = bool(passed)
        self.message = message
        self.hint = hint
        self.hidden = hidden

    def __bool__(self):
        return self.passed

    def title(self):
        return _(HIDDEN if self.hidden else EXERCISE).format(id=self.exercise_id.lstrip("q"))

    def __repr__(self):
        status = MARK_PASSED + " " + _(PASSED) if self.passed else MARK_NOT_YET + " " + _(NOT_YET)
        lines = [f"{self.title()}: {status}"]
        if self.message:
            lines.append(f"  {self.message}")
        if self.hint:
            lines.append(f"  {_(HINT)}: {self.hint}")
        return "\n".join(lines)

    def _repr_html_(self):
        background, colour = _COLOURS[self.passed]
        status = MARK_PASSED + " " + _(PASSED) if self.passed else MARK_NOT_YET + " " + _(NOT_YET)
        parts = [f"<b>{escape(self.title())}</b>: <span style='color:{colour};font-weight:bold'>"
                 f"{escape(status)}</span>"]
        if self.message:
            parts.append(f"<div>{escape(self.message)}</div>")
        if self.hint:
            parts.append(f"<div style='opacity:.85'><i>{escape(_(HINT))}:</i> {escape(self.hint)}</div>")
        return (f"<div style='background:{background};border-left:4px solid {colour};padding:6px 10px;"
                f"margin:4px 0;color:#222'>{''.join(parts)}</div>")
