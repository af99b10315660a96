"""The checked-exercise framework: verdicts, never raising, the progress table, the teacher's final check."""

import pytest
import torch

from pyprivate.exercises import Checklist, Verdict, answer_of, expect

from pyprivate.i18n import N_, set_language


pytestmark = pytest.mark.usefixtures("english")


def make_checklist():
    checks = Checklist("99-test")

    @checks.exercise("q1", N_("Double a number"))
    def _(double):
        expect(callable(double), N_("Expected a function, got {kind}."), kind=type(double).__name__)
        expect(answer_of(double, 3) == 6, N_("double(3) gave {got}."), got=double(3), hint=N_("Multiply by 2."))

    @checks.hidden("q1")
    def _(double):
        expect(answer_of(double, -4) == -8, N_("double(-4) gave {got}."), got=double(-4))

    @checks.exercise("q2", N_("A value"))
    def _(value):
        expect(value == 42, N_("{value} is not the answer."), value=value)

    return checks


def test_a_right_answer_passes_and_a_wrong_one_says_what_and_gives_a_hint():
    checks = make_checklist()
    verdict = checks.q1(lambda x: 2 * x)
    assert isinstance(verdict, Verdict) and verdict.passed and bool(verdict)
    wrong = checks.q1(lambda x: x + 2)
    assert not wrong and wrong.message == "double(3) gave 5." and wrong.hint == "Multiply by 2."
    assert "✗" in repr(wrong) and "Multiply by 2." in wrong._repr_html_()


@pytest.mark.parametrize("answer, message", [
    (..., "Replace the ... with your answer, then run the cell again."),
    (lambda x: None, "Your function returned None."),
    (lambda x: ..., "Replace the ... with your answer, then run the cell again."),
    (lambda x: 1 / 0, "Checking your answer raised ZeroDivisionError: division by zero"),
    ("text", "Expected a function, got str."),
])
def test_unfinished_or_broken_answers_give_a_verdict_not_an_exception(answer, message):
    verdict = make_checklist().q1(answer)
    assert not verdict.passed and verdict.message == message


@pytest.mark.parametrize("lang, exercise", [("de", "Aufgabe 1"), ("hi", "अभ्यास 1"), ("bn", "অনুশীলনী 1")])
def test_a_wrong_answer_gets_a_verdict_and_a_hint_in_the_editions_language(lang, exercise, monkeypatch, tmp_path):
    from pyprivate.exercises.lesson03 import check
    from pyprivate.i18n import _catalog
    folder = tmp_path / "build" / "classroom" / "student" / lang
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)  # where nbval and JupyterLab start the kernel
    verdict = check.q1(2718)
    catalog = _catalog(lang)
    assert not verdict.passed and exercise in repr(verdict)
    assert verdict.message == catalog["2718 is 2.7186 × 1000 cut off, not rounded."]
    assert verdict.hint == catalog["Round to the nearest integer: is 2718.6 nearer to 2718 or to 2719?"]
    assert verdict.message != "2718 is 2.7186 × 1000 cut off, not rounded."  # translated, not the English fallback
    assert "✗" in verdict._repr_html_() and catalog["Hint"] in verdict._repr_html_()


def test_hidden_checks_are_separate_and_the_summary_lists_every_exercise():
    checks = make_checklist()
    assert checks.summary() == {"q1": False, "q2": False}
    checks.q1(lambda x: 2 * x)
    assert checks.summary() == {"q1": True, "q2": False}
    hidden = checks.q1.hidden(lambda x: 2 * x if x > 0 else 0)
    assert not hidden.passed and hidden.hidden and "teacher" in hidden.title()
    assert checks.summary() == {"q1": True, "q1.hidden": False, "q2": False}
    html = checks.summary()._repr_html_()
    assert "1 of 3 checks passed" in html and "not tried yet" in html and "Double a number" in html


def test_the_last_answer_counts():
    checks = make_checklist()
    checks.q2(42)
    checks.q2(41)
    assert checks.summary()["q2"] is False


def test_assert_all_passed_needs_every_public_and_hidden_check():
    checks = make_checklist()
    checks.q1(lambda x: 2 * x)
    checks.q2(42)
    with pytest.raises(AssertionError, match="q1.hidden"):
        checks.assert_all_passed()
    checks.q1.hidden(lambda x: 2 * x)
    assert checks.assert_all_passed()


def test_an_unknown_exercise_names_the_known_ones():
    with pytest.raises(AttributeError, match="no exercise 'q9'.*q1, q2"):
        make_checklist().q9
    with pytest.raises(AttributeError, match="no hidden check"):
        make_checklist().q2.hidden(42)


def test_lesson03_reference_answers_pass_and_typical_mistakes_get_their_hint():
    from pyprivate.exercises.lesson03 import check, TOY_MOD
    assert check.q1(2719)
    assert check.q1(2718).message == "2718 is 2.7186 × 1000 cut off, not rounded."
    assert "4 fractional digits" in check.q1(27186).message

    def reconstruct(shares):
        return sum(shares[1:], shares[0].clone())
    assert check.q2(reconstruct) and check.q2.hidden(reconstruct)
    assert not check.q2(lambda shares: shares[0])
    two_only = check.q2.hidden(lambda shares: shares[0] + shares[1])
    assert not two_only and "3 shares" in two_only.message

    def beaver(x_sh, y_sh, a_sh, b_sh, c_sh, mod=TOY_MOD):
        eps = sum(x - a for x, a in zip(x_sh, a_sh)) % mod
        delta = sum(y - b for y, b in zip(y_sh, b_sh)) % mod
        z = [(c + eps * b + a * delta) % mod for a, b, c in zip(a_sh, b_sh, c_sh)]
        z[0] = (z[0] + eps * delta) % mod
        return z
    assert check.q3(beaver) and check.q3.hidden(beaver)

    def cheat(x_sh, y_sh, a_sh, b_sh, c_sh):  # opens x and y: right sum, wrong protocol
        return [sum(x_sh) * sum(y_sh) % TOY_MOD] + [0] * (len(x_sh) - 1)
    verdict = check.q3(cheat)
    assert not verdict and "not the shares Beaver's protocol gives" in verdict.message

    def every_worker_adds_the_public_term(x_sh, y_sh, a_sh, b_sh, c_sh):
        z = beaver(x_sh, y_sh, a_sh, b_sh, c_sh)
        eps = sum(x - a for x, a in zip(x_sh, a_sh)) % TOY_MOD
        delta = sum(y - b for y, b in zip(y_sh, b_sh)) % TOY_MOD
        return [z[0]] + [(z_i + eps * delta) % TOY_MOD for z_i in z[1:]]
    verdict = check.q3(every_worker_adds_the_public_term)
    assert not verdict and "only worker 0 adds eps × delta" in verdict.hint
    assert torch.is_tensor(reconstruct([torch.tensor([1])]))


def test_a_function_left_as_the_student_edition_writes_it_is_unfinished_not_wrong():
    def double(x):
        """Twice x."""
        ...

    def forgot_return(x):
        x * 2

    assert make_checklist().q1(double).message == "Replace the ... with your answer, then run the cell again."
    assert make_checklist().q1(forgot_return).message == "Your function returned None."
