"""The Nuki MQTT API's topics and payloads (domain/mqtt_api.py) and broker URLs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nukiweb.bridges.broker import BrokerSettings, BrokerUrlError
from nukiweb.domain.device_state import Hardware
from nukiweb.domain.devices import CompletionState, DeviceType, LockState
from nukiweb.domain.mqtt_api import (
    STATE_TOPICS,
    LockActionEvent,
    Topic,
    command_failure,
    command_payload,
    parse_bool,
    parse_topic,
    topic,
    with_reported_values,
)


def test_topics_are_the_root_the_upper_case_hex_id_and_the_name() -> None:
    assert topic("nuki", 0x2BB28570, Topic.STATE) == "nuki/2BB28570/state"
    assert topic("ci/nuki", 0xAB, Topic.LOCK_ACTION) == "ci/nuki/000000AB/lockAction"


@given(st.integers(0, 0xFFFF_FFFF), st.sampled_from(sorted(Topic)))
def test_a_topic_reads_back_as_its_id_and_name(nuki_id: int, name: Topic) -> None:
    assert parse_topic("nuki", topic("nuki", nuki_id, name)) == (nuki_id, name)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("nuki/2BB2857/state", (0x2BB2857, "state")),  # not padded to 8 digits (seen)
        ("nuki/2bb28570/state", (0x2BB28570, "state")),
        ("nuki/2BB28570/state/extra", None),
        ("nuki/2BB28570/", None),
        ("nuki/XYZ/state", None),
        ("nuki/123456789/state", None),  # more than 32 bits
        ("other/2BB28570/state", None),
        ("nukix/2BB28570/state", None),
    ],
)
def test_parse_topic(value: str, expected: tuple[int, str] | None) -> None:
    assert parse_topic("nuki", value) == expected


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("3,0,54321,12345,1", LockActionEvent(3, 0, 54321, 12345, 1)),  # keypad unlatch
        ("1,0,54322,0,1", LockActionEvent(1, 0, 54322, 0, 1)),  # auto-unlock
        ("4,2,0,0,0", LockActionEvent(4, 2, 0, 0, 0)),  # lock 'n' go by button
        ("90,2,0,0,2", LockActionEvent(90, 2, 0, 0, 2)),  # button twice, no action
        ("3,3,54322,0,3", LockActionEvent(3, 3, 54322, 0, 3)),  # fob three times
        ("1,172,0,0,0", LockActionEvent(1, 172, 0, 0, 0)),  # over MQTT
        (" 2,172,0,0,0\n", LockActionEvent(2, 172, 0, 0, 0)),
        ("1,172,0,0", None),
        ("1,172,0,0,0,0", None),
        ("a,b,c,d,e", None),
        ("-1,0,0,0,0", None),
        ("0,172,0,0,0", None),  # no action 0
        ("256,172,0,0,0", None),  # beyond a byte: the log cannot hold it
        ("1,999999999999999999999,0,0,0", None),
        ("1,0,4294967296,0,0", None),  # an authId beyond 32 bits
        ("1,0,0,0,256", None),
        ("", None),
    ],
)
def test_lock_action_events(payload: str, expected: LockActionEvent | None) -> None:
    assert LockActionEvent.parse(payload) == expected
    if expected is not None:
        assert LockActionEvent.parse(expected.format()) == expected


def test_the_context_is_the_auto_unlock_flag_unless_it_counts_presses_or_names_a_keypad() -> None:
    assert LockActionEvent(1, 0, 54322, 0, 1).auto_unlock
    assert not LockActionEvent(1, 0, 54322, 0, 0).auto_unlock
    assert not LockActionEvent(3, 0, 54321, 12345, 1).auto_unlock  # a keypad code
    assert not LockActionEvent(3, 3, 54322, 0, 1).auto_unlock  # a fob pressed once
    assert not LockActionEvent(4, 2, 0, 0, 1).auto_unlock  # the button pressed once


def test_the_state_shows_actions_1_to_5_and_a_full_lock_as_a_lock() -> None:
    assert LockActionEvent(6, 172, 0, 0, 0).shown_action == 2
    assert LockActionEvent(4, 2, 0, 0, 0).shown_action == 4
    assert LockActionEvent(90, 2, 0, 0, 2).shown_action is None
    assert LockActionEvent(80, 3, 1, 0, 1).shown_action is None


def test_booleans_are_true_and_false() -> None:
    assert (parse_bool("true"), parse_bool("false"), parse_bool("FALSE")) == (True, False, False)
    assert parse_bool("maybe") is None


def test_command_failures_name_the_ble_error_and_its_log_state() -> None:
    error, completion, code = command_failure(0x45)
    assert "busy" in error
    assert (completion, code) == (CompletionState.BUSY, "45")
    assert command_failure(0x42)[1:] == (CompletionState.MOTOR_BLOCKED, "42")
    assert command_failure(0x99)[1:] == (CompletionState.UNKNOWN_ERROR, "99")


def test_only_actions_1_to_6_go_through_lock_action() -> None:
    assert command_payload(6) == (Topic.LOCK_ACTION, "6")
    with pytest.raises(ValueError, match="1-6"):
        command_payload(7)


def test_state_topics_move_the_hardware_and_unreadable_values_change_nothing() -> None:
    hardware = Hardware.initial(DeviceType.SMARTLOCK3)
    reported = with_reported_values(
        hardware,
        {
            Topic.STATE: "3",
            Topic.MODE: "2",
            Topic.DOORSENSOR_STATE: "3",
            Topic.BATTERY_CHARGE_STATE: "140",
            Topic.BATTERY_CRITICAL: "true",
            Topic.BATTERY_CHARGING: "true",
            Topic.KEYPAD_BATTERY_CRITICAL: "true",
            Topic.DOORSENSOR_BATTERY_CRITICAL: "true",
            Topic.SERVER_CONNECTED: "false",
            Topic.TIMESTAMP: "2026-12-02T06:49:00+00:00",
        },
    )
    mechanics = reported.mechanics
    assert (mechanics.state, mechanics.door_state, mechanics.battery_charge) == (3, 3, 100.0)
    assert mechanics.battery_critical
    assert reported.battery_charging
    assert reported.keypad_battery_critical
    assert reported.doorsensor_battery_critical
    assert with_reported_values(hardware, {Topic.STATE: "x", Topic.BATTERY_CHARGING: ""}) == (
        hardware
    )
    out_of_range = {Topic.STATE: "256", Topic.MODE: "5", Topic.DOORSENSOR_STATE: "-1"}
    assert with_reported_values(hardware, out_of_range) == hardware
    assert hardware.mechanics.state == LockState.LOCKED
    assert Topic.CONNECTED in STATE_TOPICS


@pytest.mark.parametrize(
    ("url", "host", "port", "user", "password", "root"),
    [
        ("mqtt://127.0.0.1", "127.0.0.1", 1883, None, None, "nuki"),
        ("mqtt://u:p%40ss@broker.lan:1884", "broker.lan", 1884, "u", "p@ss", "nuki"),
        ("mqtt://broker/ci-7", "broker", 1883, None, None, "ci-7/nuki"),
        ("mqtt://broker/a/b/", "broker", 1883, None, None, "a/b/nuki"),
    ],
)
def test_broker_urls(
    url: str, host: str, port: int, user: str | None, password: str | None, root: str
) -> None:
    settings = BrokerSettings.from_url(url)
    assert (settings.host, settings.port, settings.username, settings.password, settings.root) == (
        host,
        port,
        user,
        password,
        root,
    )
    assert "p@ss" not in settings.redacted()


@pytest.mark.parametrize(
    "url",
    ["http://broker", "mqtt://", "mqtt://broker:99999", "mqtt://broker/+", "mqtt://b?x=1"],
)
def test_bad_broker_urls(url: str) -> None:
    with pytest.raises(BrokerUrlError):
        BrokerSettings.from_url(url)
