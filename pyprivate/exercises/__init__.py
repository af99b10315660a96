"""Checked exercises: one module per lesson, each with a ``check`` object.

In a lesson::

    from pyprivate.exercises.lesson03 import check
    secret = bob_share + alice_share      # the learner's answer
    check.q1(secret)                      # a verdict: passed, or what is wrong and a hint
    check.summary()                       # {exercise id: passed}, shown as a progress table

Checks never raise, and speak the notebook's language: their messages are
``N_()`` strings translated through ``translations/<lang>/pyprivate.po``.
Each exercise may also have a hidden check (``check.q1.hidden(secret)``)
that the teacher edition runs and a student edition leaves out.
"""

from .checklist import Checklist, NotYet, answer_of, expect
from .verdict import Verdict

__all__ = ["Checklist", "NotYet", "Verdict", "answer_of", "expect"]
