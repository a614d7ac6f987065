"""bench/mqtt.py runs end to end on a few locks: with a Mosquitto of its own, and on a broker it
is given. What it measures is not asserted (a benchmark's figures are its own business), only
that every measure completed and counted what it was asked to."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.mqtt import Broker

BENCH = Path(__file__).resolve().parent.parent / "bench" / "mqtt.py"
RUN_DEADLINE_S = 600.0  # three interpreters and a dozen locks started on a loaded machine
LOCKS, ROUND_TRIPS, PRESSES, CONCURRENT = 3, 2, 2, 2


def run_bench(*options: str) -> dict[str, Any]:
    argv = [
        sys.executable,
        str(BENCH),
        "--locks",
        str(LOCKS),
        "--round-trips",
        str(ROUND_TRIPS),
        "--presses",
        str(PRESSES),
        "--concurrent",
        str(CONCURRENT),
        "--json",
        *options,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_DEADLINE_S, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def check_counts(figures: dict[str, Any]) -> None:
    for measure in ("round_trip_simulated", "round_trip_one_lock", "round_trip_many_locks"):
        assert figures[measure]["count"] == ROUND_TRIPS
        assert figures[measure]["polls"] >= ROUND_TRIPS
    assert figures["round_trip_concurrent"]["count"] == CONCURRENT * ROUND_TRIPS
    assert figures["round_trip_one_lock"]["smartlock_id"] >> 32 == 4  # a Smart Lock 3.0/4th gen
    assert figures["memory"]["locks"] == LOCKS
    assert figures["memory"]["idle_kb"] > 0
    assert figures["memory"]["loaded_kb"] > 0
    assert figures["events"]["events"] == LOCKS * PRESSES


def test_with_a_mosquitto_of_its_own() -> None:
    check_counts(run_bench())


def test_on_a_broker_it_is_given(broker: Broker) -> None:
    if broker.process is None:  # a test that stopped it failed before starting it again
        broker.start()
    figures = run_bench("--mqtt-url", broker.url)
    check_counts(figures)
    assert figures["settings"]["mqtt_url"] == broker.url


@pytest.mark.parametrize(
    "option", [["--locks", "0"], ["--mqtt-url", "tcp://x"], ["--locks", "3", "--concurrent", "3"]]
)
def test_bad_options_are_refused(option: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), *option],
        capture_output=True,
        text=True,
        timeout=RUN_DEADLINE_S,
        check=False,
    )
    assert done.returncode == 2, done.stderr
