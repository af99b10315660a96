"""sy.start_workers / sy.join: groups that form, groups that cannot, and no process left behind."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pyprivate as sy
from test_rpc_workers import free_port

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "rpc_scripts" / "launch_side.py"


def run(*args, timeout=120):
    done = subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead too
        return stat.read().split()[2] != "Z"


def test_join_without_workers_fails_in_time_and_says_what_to_start():
    out = run("no_workers", str(free_port()))
    assert "did not form within 2 s" in out["error"]
    assert "python -m pyprivate.worker" in out["error"] and "--world 3" in out["error"]
    assert out["seconds"] < 15


def test_start_workers_runs_pointers_and_shares_then_leave_stops_them_and_can_start_again():
    out = run("start_twice")
    assert out["repr"] == "<RemoteWorker id:bob>"
    for round_ in range(2):
        assert out[f"sum{round_}"] == [2, 4, 6]
        assert out[f"square{round_}"] == [2.25, 4.0]
    assert "sy.leave()" in out["twice"]
    assert len(set(out["pids"])) == 6
    for round_ in range(2):  # every socket of the group is on the loopback interface (None: no ss here)
        assert out[f"listening{round_}"] in (None, ["127.0.0.1"]), out[f"listening{round_}"]
    time.sleep(0.5)
    assert not any(alive(pid) for pid in out["pids"])


def test_workers_exit_when_the_process_that_started_them_dies():
    out = run("orphan")
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in out["pids"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in out["pids"])


@pytest.mark.parametrize("names, problem", [((), "name the workers"), (("bob", "bob"), "different"),
                                            (("me",), "different"), (("two words",), "a word")])
def test_start_workers_refuses_bad_names_before_starting_anything(names, problem):
    with pytest.raises(sy.errors.PyPrivateError, match=problem):
        sy.start_workers(*names)


@pytest.mark.parametrize("world, master, problem", [(4, "nohost", "host:port"), (4, "127.0.0.1:notaport", "host:port"),
                                                    (4, "127.0.0.1:70000", "host:port"), (1, "127.0.0.1:29500", "at least 2")])
def test_join_refuses_a_bad_address_or_size_at_once(world, master, problem):
    start = time.monotonic()
    with pytest.raises(sy.errors.PyPrivateError, match=problem):
        sy.join(world=world, master=master, timeout=5)
    assert time.monotonic() - start < 1
