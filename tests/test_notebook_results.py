"""Run the tutorials and check the results they print, not only that they run.

nbval (``make test``) already checks that every notebook runs without an
error. These tests go further: they execute a notebook once with nbclient
and read numbers out of its outputs, so a tutorial whose text promises "the
loss goes down" or "close to central training" is held to it.

To check another tutorial, add a module-scoped fixture that calls
``run_notebook(notebook_path("NN-slug"))`` and write tests with
``output_of(cells, "a snippet of the cell's code")`` and ``floats(...)``.
"""

import re
from pathlib import Path
from typing import NamedTuple

import jupytext
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


class CellRun(NamedTuple):
    """One executed code cell: its source and everything it printed or displayed."""

    source: str
    text: str
    mimes: frozenset = frozenset()  # every MIME type displayed, e.g. "image/png"


def notebook_path(slug, lang="en"):
    """``notebooks/<lang>/<slug>.md``, e.g. ``notebook_path("01-pointers")``."""
    return ROOT / "notebooks" / lang / f"{slug}.md"


def output_text(cell):
    """The text a learner sees under a code cell: streams and plain-text results."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", "") + "\n")
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}\n")
    return "".join(parts)


def run_notebook(path, timeout=120):
    """Execute a jupytext notebook in a fresh kernel; return a CellRun per code cell.

    A cell that raises makes nbclient raise CellExecutionError, which fails the test.
    The exercises' answer cells run but are left out (tests/test_exercises_*.py check them).
    """
    path = Path(path)
    notebook = jupytext.read(path)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return [CellRun(cell.source, output_text(cell), output_mimes(cell))
            for cell in notebook.cells if cell.cell_type == "code" and not EXERCISE_TAGS & set(cell.metadata.get("tags", []))]


def output_mimes(cell):
    """The MIME types of a code cell's rich outputs (widgets, images)."""
    return frozenset(mime for output in cell.get("outputs", []) for mime in output.get("data", {}))


WIDGET = "application/vnd.jupyter.widget-view+json"
# The answers to the checked exercises repeat the lesson's code; tests read the lesson's own cells.
EXERCISE_TAGS = {"solution", "hidden-check"}


def mimes_of(cells, snippet):
    """The MIME types displayed by the one code cell whose source contains ``snippet``."""
    matches = [cell.mimes for cell in cells if snippet in cell.source]
    assert len(matches) == 1, f"expected one code cell with {snippet!r}, found {len(matches)}"
    return matches[0]


def outputs_of(cells, snippet, exact=False):
    """The outputs of every code cell whose source contains ``snippet`` (or is it, when ``exact``)."""
    return [cell.text for cell in cells if (cell.source.strip() == snippet if exact else snippet in cell.source)]


def output_of(cells, snippet, exact=False):
    """The output of the one code cell whose source contains ``snippet`` (or is it, when ``exact``)."""
    matches = outputs_of(cells, snippet, exact)
    assert len(matches) == 1, f"expected one code cell with {snippet!r}, found {len(matches)}"
    return matches[0]


def floats(pattern, text):
    """Every number captured by the first group of ``pattern`` in ``text``, as floats."""
    return [float(match) for match in re.findall(pattern, text)]


# -- Part 1: pointers ---------------------------------------------------------

@pytest.fixture(scope="module")
def pointers():
    return run_notebook(notebook_path("01-pointers"))


def test_pointer_names_both_ends(pointers):
    assert output_of(pointers, 'bob = sy.VirtualWorker(hook, id="bob")').strip() == "<VirtualWorker id:bob #objects:0>"
    shown = output_of(pointers, "x_ptr = x.send(bob)")
    match = re.fullmatch(r"\(Wrapper\)>\[PointerTensor \| me:(\d+) -> bob:(\d+)\]\n", shown)
    assert match, shown
    pointer_id, id_at_bob = match.groups()

    store = output_of(pointers, "bob._objects", exact=True).strip()
    assert store.startswith("{") and len(re.findall(r"\d+: tensor", store)) == 2, store
    assert f"{id_at_bob}: tensor([1, 2, 3, 4, 5])" in store and "tensor([1, 1, 1, 1, 1])" in store

    location, same, printed_id = output_of(pointers, "print(x_ptr.id_at_location)").split("\n")[:3]
    assert location.startswith("<VirtualWorker id:bob") and same == "True" and printed_id == id_at_bob
    assert output_of(pointers, "x_ptr.id", exact=True).strip() == pointer_id != id_at_bob
    assert output_of(pointers, "print(x_ptr.owner)").split() == ["<VirtualWorker", "id:me", "#objects:0>", "True"]


def test_remote_results_come_back(pointers):
    assert output_of(pointers, "z = x_ptr + x_ptr").startswith("(Wrapper)>[PointerTensor | me:")
    assert output_of(pointers, "bob", exact=True).strip() == "<VirtualWorker id:bob #objects:3>"
    assert output_of(pointers, "x_ptr.get()").strip() == "tensor([1, 2, 3, 4, 5])"
    assert output_of(pointers, "z.get()", exact=True).strip() == "tensor([ 2,  4,  6,  8, 10])"
    assert output_of(pointers, "y_ptr.get()").strip() == "{}"
    assert output_of(pointers, "z = x + y").strip() == "tensor([2, 3, 4, 5, 6])"
    assert output_of(pointers, "z = torch.add(x, y)").strip() == "tensor([2, 3, 4, 5, 6])"
    assert output_of(pointers, "(x * 10 + 1).get()").strip() == "tensor([11, 21, 31, 41, 51])"


def test_remote_autograd(pointers):
    remote_grad, fetched_grad = outputs_of(pointers, "x.grad", exact=True)
    assert remote_grad.startswith("(Wrapper)>[PointerTensor | me:")  # before x.get(), the gradient is at bob
    assert output_of(pointers, "x = x.get()").strip() == "tensor([1., 2., 3., 4., 5.], requires_grad=True)"
    assert fetched_grad.strip() == "tensor([1., 1., 1., 1., 1.])"


def test_message_log(pointers):
    kinds = output_of(pointers, "Counter(record.kind")
    for kind in ("send", "command", "get", "delete"):
        assert f"'{kind}':" in kinds
    lines = output_of(pointers, "bob.message_log.clear()").splitlines()
    assert lines[0] == "tensor([2., 4., 6.])"
    assert [line.split()[0] for line in lines[1:]] == ["send", "command", "get"]
    assert "mul" in lines[2]
    send, command = floats(r"(\d+) bytes", output_of(pointers, "big = torch.zeros(10_000)"))
    assert send > 40_000 and command < 200


def test_deleting_a_pointer_deletes_the_remote_object(pointers):
    lines = output_of(pointers, "del temporary").splitlines()
    before, during, after = (int(n) for n in floats(r"#objects:(\d+)", "\n".join(lines[:3])))
    assert (during, after) == (before + 1, before) and lines[3] == "delete"
    (in_loop,) = floats(r"#objects:(\d+)", output_of(pointers, "for step in range(100)"))
    assert in_loop == before + 1


def test_errors_are_explained(pointers):
    expected = {
        "at_alice + at_bob": ["WorkerMismatchError", "alice", "bob"],
        "at_bob + torch.tensor": ["LocalRemoteMixError", ".send(bob)"],
        "fetched = at_bob.get()": ["ObjectNotFoundError", "already fetched"],
        "secret.item()": ["RemoteValueError", ".get()"],
    }
    for snippet, words in expected.items():
        text = output_of(pointers, snippet)
        assert all(word in text for word in words), text


# -- Part 2: federated learning ------------------------------------------------

@pytest.fixture(scope="module")
def federated():
    return run_notebook(notebook_path("02-federated-learning"))


def test_parameters_are_swapped_in_place(federated):
    sent = output_of(federated, "model.send(bob)\n").splitlines()
    assert sent[0].startswith("<VirtualWorker id:bob") and sent[1].startswith("(Wrapper)>[PointerTensor")
    assert sent[2] == "True"
    back = output_of(federated, "model.get()\nprint(model.location)").splitlines()
    assert back[:2] == ["None", "True"]


def test_toy_federated_loss_goes_down(federated):
    losses = floats(r"tensor\(([\d.e-]+), requires_grad=True\)", output_of(federated, "for iter in range(10)"))
    assert len(losses) == 20
    assert sum(losses[-2:]) < 0.1 * sum(losses[:2])
    predictions = floats(r"(-?\d+\.\d+)", output_of(federated, "print(model(inputs))"))
    assert [round(p) for p in predictions] == [0, 0, 1, 1]


def test_the_update_reveals_the_record(federated):
    recovered, original = output_of(federated, "weight_change / bias_change").splitlines()
    recovered, original = floats(r"(-?\d+\.\d+)", recovered), floats(r"(-?\d+\.\d+)", original)
    assert len(original) == 4
    assert recovered == pytest.approx(original, rel=1e-3)


def test_private_data_stays_and_the_policy_releases_the_model(federated):
    refused = output_of(federated, 'patients = torch.tensor([[63.0, 1.72, 80.0, 1.0]')
    assert re.fullmatch(r"object \d+ at dave is private data, or computed from it: ask for it with "
                        r"ptr.request\(\"why you need it\"\); the owner approves or denies at the worker "
                        r"\(dave.requests\)", refused.strip())
    assert "at dave is private data" in output_of(federated, "dave_model = nn.Linear(4, 1)")
    statuses = re.findall(r"'status': '(\w+)'", output_of(federated, "dave.policy = lambda request"))
    assert statuses == ["approved", "approved", "pending"]  # the parameters by policy; the raw records wait
    text = output_of(federated, "RequestsView(dave)")
    assert "computed by" in text and "the raw records, just in case" in text and "→ me" in text
    log = output_of(federated, "MessagesView(dave)")
    assert log.startswith("2 refused: get from me, get from me\nMessagesView: dave")  # the log keeps the refusals


def test_federated_averaging_is_close_to_central(federated):
    assert "bob: 500, alice: 500, charlie: 500" in output_of(federated, "sy.FederatedDataset.split")
    assert all(f"'{w}': 16" in output_of(federated, "Counter(batch.location") for w in ("bob", "alice", "charlie"))

    rounds = floats(r"averaged model ([\d.]+)%", output_of(federated, "for round_number in range"))
    assert len(rounds) == 5 and rounds[-1] > rounds[0]

    final = output_of(federated, "central training:")
    (central,) = floats(r"central training: +([\d.]+)%", final)
    (averaged,) = floats(r"federated averaging: +([\d.]+)%", final)
    assert averaged == rounds[-1]
    assert central > 80 and averaged > 70          # chance is 10%
    assert abs(averaged - central) <= 5


def test_only_the_model_travelled(federated):
    text = output_of(federated, "traffic = Counter()")
    (model_mb,) = floats(r"one model: ([\d.]+) MB", text)
    (send_mb,) = floats(r"send +([\d.]+) MB", text)
    (get_mb,) = floats(r"get +([\d.]+) MB", text)
    # 5 rounds x 3 workers; no images and no gradients on the way back.
    assert send_mb == pytest.approx(15 * model_mb, rel=0.1)
    assert get_mb == pytest.approx(15 * model_mb, rel=0.1)


def test_notebooks_1_and_2_show_their_widgets(pointers, federated):
    assert WIDGET in mimes_of(pointers, "StoreView(bob)")
    curve = mimes_of(federated, "curve = LossCurve(")
    assert "image/png" in curve  # the live curve leaves a picture in the executed notebook
