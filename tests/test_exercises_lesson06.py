"""Lesson 6's checked exercises: reference answers pass, typical mistakes get their message, unfinished ones "not yet"."""

import pytest
import torch

import pyprivate as sy
from pyprivate.exercises import lesson06


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def fresh_checklist():
    lesson06.check.reset()


check = lesson06.check


def missing_workers(workers):
    missing = []
    for worker in workers:
        try:
            torch.zeros(1).send(worker).get()
        except sy.errors.WorkerUnreachableError:
            missing.append(worker.id)
    return missing


def worker_commands(names, master):
    world = len(names) + 1
    return [f"python -m pyprivate.worker --name {name} --rank {rank} --world {world} --master {master}"
            for rank, name in enumerate(names, start=1)]


def commands_with(world=None, first_rank=1, master=None, rank=None):
    """worker_commands with one typical mistake."""
    def answer(names, given_master):
        return [f"python -m pyprivate.worker --name {name} --rank {rank or r} "
                f"--world {world or len(names) + 1} --master {master or given_master}"
                for r, name in enumerate(names, start=first_rank)]
    return answer


def test_the_reference_answers_pass_every_public_and_hidden_check():
    assert check.q1(2)
    assert check.q2(missing_workers) and check.q2.hidden(missing_workers)
    assert check.q3(worker_commands) and check.q3.hidden(worker_commands)
    assert check.assert_all_passed()


def test_q1_counts_the_messages_for_real():
    assert lesson06.messages_of_shared_addition() == 2


@pytest.mark.parametrize("answer, message", [
    (0, "this notebook must still tell each of them to add"),
    (1, "each needs its own command"),
    (3, "James deals randomness for products and comparisons"),
    (4, "A request and its reply count as one message"),
    (9, "9 is not the number of messages of x + y."),
    ("2", "Expected a whole number (an int), got str."),
    (True, "Expected a whole number (an int), got bool."),
])
def test_q1_wrong_answers_say_why(answer, message):
    verdict = check.q1(answer)
    assert not verdict and message in verdict.message


def test_q2_typical_mistakes():
    def never_catches(workers):
        return [w.id for w in workers if torch.zeros(1).send(w).get() is None]

    verdict = check.q2(never_catches)
    assert not verdict and "stopped at the first worker that did not answer" in verdict.message
    assert "WorkerUnreachableError" in verdict.hint
    verdict = check.q2(lambda workers: [w.id for w in workers])
    assert not verdict
    assert verdict.message == "Every worker answers, but your function returned ['dave', 'erin', 'frank']."
    verdict = check.q2(lambda workers: [])
    assert not verdict
    assert verdict.message == "Of dave, erin, frank, erin stopped, but your function returned []."
    verdict = check.q2(lambda workers: [w for w in workers if missing_workers([w])])  # handles, not ids
    assert not verdict and "Expected the workers' ids" in verdict.message and verdict.hint == "A worker's id is worker.id."


def test_q2_hidden_catches_a_function_made_for_three_workers_and_one_that_leaves_objects_behind():
    def first_three(workers):
        return missing_workers(workers[:3])
    assert check.q2(first_three)
    verdict = check.q2.hidden(first_three)
    assert not verdict and "oscar" in verdict.message

    kept = []

    def keeps_its_pointers(workers):
        missing = []
        for worker in workers:
            try:
                kept.append(torch.zeros(1).send(worker))
            except sy.errors.WorkerUnreachableError:
                missing.append(worker.id)
        return missing
    assert check.q2(keeps_its_pointers)
    verdict = check.q2.hidden(keeps_its_pointers)
    assert not verdict and "left objects at the workers that answered" in verdict.message


@pytest.mark.parametrize("answer, message", [
    (commands_with(world=3), "--world 3 counts only the workers"),
    (commands_with(first_rank=0), "bob has rank 0, but rank 0 is the notebook"),
    (commands_with(master="127.0.0.1:29500"), "would look for the rendezvous at 127.0.0.1:29500"),
    (commands_with(rank=1), "The ranks are 1, 1, 1"),
    (lambda names, master: worker_commands(names, master)[:2], "Expected one command per worker (3), got 2."),
    (lambda names, master: worker_commands(names[::-1], master), "The commands start james, alice, bob"),
    (lambda names, master: [c.replace(" --rank", "") for c in worker_commands(names, master)],
     "pyprivate.worker would not accept"),
    (lambda names, master: [c.replace("python -m ", "") for c in worker_commands(names, master)],
     "Each command starts a worker"),
    (lambda names, master: " && ".join(worker_commands(names, master)), "should return a list"),
])
def test_q3_typical_mistakes(answer, message):
    verdict = check.q3(answer)
    assert not verdict and message in verdict.message, verdict.message


def test_q3_hidden_catches_commands_written_for_the_lesson_only():
    def lesson_only(names, master):
        return [f"python -m pyprivate.worker --name {name} --rank {rank} --world 4 --master 192.168.1.10:29500"
                for rank, name in enumerate(names, start=1)]
    assert check.q3(lesson_only)
    verdict = check.q3.hidden(lesson_only)
    assert not verdict and verdict.message == "dave says --world 4, but the group has 2 processes."
    def equals_form(names, master):
        return [c.replace("--name ", "--name=") for c in worker_commands(names, master)]
    assert check.q3(equals_form) and check.q3.hidden(equals_form)


def unfinished(*args):
    """A function whose body is still the student edition's ``...``."""
    ...


@pytest.mark.parametrize("exercise", ["q1", "q2", "q3"])
def test_unfinished_answers_are_not_yet(exercise):
    verdict = getattr(check, exercise)(...)
    assert not verdict and "not yet" in repr(verdict) and verdict.message.startswith("Replace the ...")
    if exercise != "q1":
        verdict = getattr(check, exercise)(unfinished)
        assert not verdict and "not yet" in repr(verdict)
        assert not getattr(check, exercise).hidden(unfinished)
    assert check.summary()[exercise] is False
