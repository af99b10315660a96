"""Run lesson 7 (secure aggregation) and hold its text to the numbers it prints."""

import re

import pytest
from test_notebook_results import WIDGET, floats, notebook_path, output_of, run_notebook


@pytest.fixture(scope="module")
def lesson():
    return run_notebook(notebook_path("07-secure-aggregation"))


def test_pointers_to_pointers_and_move(lesson):
    pointer, at_bob, at_alice = output_of(lesson, "x = torch.tensor([1, 2, 3, 4, 5]).send(bob).send(alice)").splitlines()
    assert re.fullmatch(r"\(Wrapper\)>\[PointerTensor \| me:\d+ -> alice:(\d+)\]", pointer)
    assert re.fullmatch(r"bob:   \{\d+: tensor\(\[1, 2, 3, 4, 5\]\)\}", at_bob)  # the tensor stays at bob
    assert re.fullmatch(r"alice: \{\d+: \(Wrapper\)>\[PointerTensor \| alice:\d+ -> bob:\d+\]\}", at_alice)
    pointer, store = output_of(lesson, "y = x + x").splitlines()
    assert "-> alice:" in pointer and "tensor([1, 2, 3, 4, 5])" in store and "tensor([ 2,  4,  6,  8, 10])" in store
    first, second = output_of(lesson, "y = y.get()").splitlines()
    assert "-> bob:" in first and second == "tensor([ 2,  4,  6,  8, 10])"
    moved = output_of(lesson, "z.move(alice)").splitlines()
    assert "-> alice:" in moved[0] and moved[1:] == ["bob holds it:   False", "alice holds it: True"]


def test_one_round_of_each_scheme_improves_the_model_equally(lesson):
    untrained = floats(r"off by (\d+\.\d)", output_of(lesson, "initial_model = Net()"))[0]
    trusted = floats(r"off by (\d+\.\d)", output_of(lesson, "trusted_aggregator_round(model)\nprint"))[0]
    shared = floats(r"off by (\d+\.\d)", output_of(lesson, "secret_sharing_round(model)\nprint"))[0]
    assert trusted == shared < untrained


def test_pairwise_masks_sum_exactly_and_recover_from_a_dropout(lesson):
    lines = output_of(lesson, 'masking = PairwiseMasking(["bob", "alice", "charlie"], seed=7)').splitlines()
    assert len(lines) == 5 and lines[3] == "the server's sum: tensor([4.5000, 1.2500])"
    assert lines[4] == "the true sum:     tensor([4.5000, 1.2500])"
    for line in lines[:3]:  # masked updates: large ring values
        assert all(abs(v) > 2**40 for v in map(int, re.findall(r"-?\d+", line.split("tensor")[1])))
    garbage = output_of(lesson, "sum of what arrived")
    assert all(abs(int(v)) > 2**40 for v in re.findall(r"-?\d{5,}", garbage))
    recovered, true = output_of(lesson, 'masking.recover(survivors, dropped=["charlie"])').splitlines()
    assert recovered.split(":")[1].strip() == true.split(":")[1].strip() == "tensor([1.5000, 1.0000])"


def test_what_each_party_sees(lesson):
    (shown,) = [cell for cell in lesson if cell.source.strip() == "view"]
    assert WIDGET in shown.mimes and "text/html" in shown.mimes  # live in JupyterLab, a snapshot in the book
    text = output_of(lesson, "view", exact=True)
    assert "alice: a share of Bob's model" in text and "nothing: it looks like noise" in text
    verdicts = dict(re.findall(r"^    (\w+: [^\[]+?) \[.*r = [+-]\d\.\d\d: (.+)$", text, re.M))
    assert verdicts["me: Bob's model"] == "all of it" and verdicts["secure_worker: Bob's model"] == "all of it"
    assert verdicts["me: the average"] == "part of it, mixed with the others'"
    assert verdicts["server: Bob's masked model"] == "nothing: it looks like noise"


def test_cost_of_each_scheme_is_as_the_text_says(lesson):
    text = output_of(lesson, "for scheme, total in cost.items()")
    cost = {m.group(1).strip(): (int(m.group(2)), float(m.group(3)))
            for m in re.finditer(r"^(\D+?)\s+(\d+) messages\s+([\d.]+) kB$", text, re.M)}
    model_kb = floats(r"one model: ([\d.]+) kB", text)[0]
    assert set(cost) == {"federated averaging", "trusted aggregator", "secret sharing", "pairwise masks"}
    assert max(cost.values()) == cost["secret sharing"]  # "Sharing costs most"
    messages, kilobytes = cost["pairwise masks"]
    assert messages == 4 and kilobytes == pytest.approx(4 * model_kb, rel=0.01)  # 2 seeds, 2 masked int64 models


def test_the_four_schemes_train_the_same_model(lesson):
    text = output_of(lesson, 'reference = final["federated averaging"]')
    rows = {m.group(1).strip(): (float(m.group(2)), float(m.group(3)))
            for m in re.finditer(r"^(\D+?)\s+test error ([\d.]+)\s+largest parameter difference ([\d.]+)$", text, re.M)}
    assert rows["trusted aggregator"] == rows["federated averaging"] and rows["federated averaging"][1] == 0
    assert rows["secret sharing"] == rows["pairwise masks"]  # the same fixed-point sums
    assert 0 < rows["secret sharing"][1] <= 0.03  # "at most about two hundredths"
    assert abs(rows["secret sharing"][0] - rows["federated averaging"][0]) < 0.01 * rows["federated averaging"][0]
    assert rows["federated averaging"][0] < 6.0  # from 23.5 untrained
