"""Part 6 holds to what it says: remote handles, empty local stores, same training across processes."""

import os
import re

import pytest

from test_notebook_results import floats, notebook_path, output_of, run_notebook


@pytest.fixture(scope="module")
def processes():
    return run_notebook(notebook_path("06-workers-in-processes"), timeout=180)


def test_workers_are_separate_processes(processes):
    assert output_of(processes, 'sy.start_workers("bob", "alice", "james")').strip() == "<RemoteWorker id:bob>"
    text = output_of(processes, 'print("this notebook:", os.getpid())')
    notebook_pid = int(re.search(r"this notebook: (\d+)", text).group(1))
    pids = {name: int(pid) for name, pid in re.findall(r"(\w+): process (\d+)", text)}
    assert set(pids) == {"bob", "alice", "james"}
    assert len(set(pids.values()) | {notebook_pid}) == 4
    for pid in pids.values():  # sy.leave() at the end stopped them
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"


def test_pointer_code_runs_remotely_and_nothing_is_held_here(processes):
    assert "-> bob:" in output_of(processes, "z = x + y")
    assert output_of(processes, "len(bob._objects)", exact=True).strip() == "0"
    assert output_of(processes, "z.get()", exact=True).strip() == "tensor([2, 3, 4, 5, 6])"
    assert output_of(processes, "w.get().grad").strip() == "tensor([2., 4.])"


def test_training_across_processes_matches_virtual_workers(processes):
    across = floats(r"(-?\d+\.\d+)", output_of(processes, "train_encrypted(bob, alice, james)").split("\n")[0])
    virtual = floats(r"(-?\d+\.\d+)", output_of(processes, "losses_virtual, seconds_virtual =").split("\n")[0])
    assert len(across) == len(virtual) == 20
    assert across[-1] < 0.2 * across[0]
    assert max(abs(a - b) for a, b in zip(across, virtual)) < 0.02
    (shown,) = floats(r"largest difference in loss: (\d+\.\d+)", output_of(processes, "losses_virtual, seconds_virtual ="))
    assert shown == pytest.approx(max(abs(a - b) for a, b in zip(across, virtual)), abs=0.002)


def test_a_group_that_cannot_form_says_so(processes):
    text = output_of(processes, 'sy.join(world=2, master="127.0.0.1:29599", timeout=3)')
    assert "did not form within 3 s" in text and "python -m pyprivate.worker" in text


def test_a_worker_outside_the_group_is_named_at_once(processes):
    text = output_of(processes, 'carol = sy.RemoteWorker("carol", timeout=3)')
    assert "no worker called 'carol' is in this group" in text
    assert all(name in text for name in ("bob", "alice", "james"))
