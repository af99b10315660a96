"""Workers in separate processes (torch.distributed.rpc on loopback) run the same code as in-process."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["bob", "alice", "james"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_group(mode):
    """Start three worker processes and the notebook side; return its JSON output. Nothing outlives this."""
    master = f"127.0.0.1:{free_port()}"
    world = len(NAMES) + 1
    workers = [subprocess.Popen([sys.executable, "-m", "pyprivate.worker", "--name", name, "--rank", str(rank),
                                 "--world", str(world), "--master", master, "--timeout", "10"],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for rank, name in enumerate(NAMES, start=1)]
    try:
        extra = [str(workers[1].pid)] if mode == "kill" else []
        done = subprocess.run([sys.executable, str(ROOT / "tests" / "rpc_scripts" / "notebook_side.py"),
                               str(world), master, mode, *extra],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1]), workers
    finally:
        for process in workers:
            try:
                process.wait(timeout=20 if mode == "normal" else 1)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def in_process_part12():
    sys.path.insert(0, str(ROOT / "tests" / "rpc_scripts"))
    import notebook_side
    import pyprivate as sy

    names = [sy.VirtualWorker(id=name) for name in NAMES]
    for worker in names:
        worker.seed(0)
    return notebook_side.part12(*names)


def test_three_worker_processes_run_part1_part12_and_the_remote_execution_of_parts_3_4_10():
    out, workers = run_group("normal")
    assert out["repr"] == "<RemoteWorker id:bob>"
    assert out["part1"] == [2, 4, 6, 8, 10]
    assert out["grad"] == [2.0, 4.0]
    local = in_process_part12()
    assert len(out["part12"]) == len(local)
    assert max(abs(a - b) for a, b in zip(out["part12"], local)) < 0.02  # same training, other randomness
    assert out["part12"][-1] < out["part12"][0]
    assert out["remote_execution"] == {"p2p": [2, 4, 6, 8, 10], "moved_by_bob": True, "move": ["alice", [1.0, 2.0, 3.0]],
                                       "average": True, "secure_average": True}
    # Private data: the worker process refuses it, whatever the client sends (pyprivate/workers/governance.py).
    assert out["private"] == {"get": "refused", "derived": "refused", "raw": "refused", "request": "pending",
                              "after_request": "refused", "move": "refused", "still_at_bob": "bob",
                              "public": [4.0]}
    assert all(p.returncode == 0 for p in workers)  # the group shut down cleanly


def test_a_killed_worker_gives_a_clear_error_not_a_hang():
    out, workers = run_group("kill")
    assert "alice" in out["error"] and "did not answer" in out["error"]
    assert out["seconds"] < 30
    assert out["leave_seconds"] < 15
    assert all(p.poll() is not None for p in workers)  # no stray processes


def test_messages_view_shows_the_messages_crossing_between_the_worker_processes():
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "rpc_scripts" / "messages_side.py")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["product"] == [0.75, -2.0]
    processes = out["processes"]
    assert {name: pid for name, (pid, _, _) in processes.items() if name != "me"} == out["started"]
    assert len({pid for pid, _, _ in processes.values()}) == 4  # the notebook and one process per worker
    assert sorted(rank for _, rank, _ in processes.values()) == [0, 1, 2, 3]
    records = [tuple(r) for r in out["records"]]
    assert ("deal", "me", "james") in records and ("step", "me", "bob") in records
    # James deals straight to the parties' processes: messages that never pass through the notebook
    assert {("send_many", "james", "bob"), ("send_many", "james", "alice")} <= set(records)
    assert "get_log" not in {kind for kind, _, _ in records}
    assert out["crossed"] == len(records) > 4
    assert out["logged_here"] > 0  # the copies also hold the messages before the count, and the get_log questions
    assert out["after_leave"] == len(records)  # after leaving, the copies stay as they were
    assert f"{len(records)} crossed between processes" in out["repr"]
