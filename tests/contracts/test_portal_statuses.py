"""The status table and the transition table of the portal contract agree with each other."""

from __future__ import annotations

from contracts import load_json

STATUSES = load_json("portal", "statuses.json")["statuses"]
TRANSITIONS = load_json("portal", "transitions.json")["transitions"]


def test_national_codes_are_the_published_ones() -> None:
    """Normalized names map to TrangThaiHoSo 1..10 exactly as API.md publishes them."""
    assert {s["name"]: s["code"] for s in STATUSES} == {
        "submitted": 1, "accepted": 2, "rejected": 3, "processing": 4,
        "awaiting_supplement": 5, "awaiting_payment": 6, "withdrawn": 7,
        "suspended": 8, "resolved": 9, "returned": 10,
    }
    assert all(s["label_vi"] for s in STATUSES)


def test_terminal_statuses_allow_no_transition() -> None:
    """rejected, withdrawn and returned are terminal and lead nowhere."""
    terminal = {s["name"] for s in STATUSES if s["terminal"]}
    assert terminal == {"rejected", "withdrawn", "returned"}
    assert all(TRANSITIONS[name] == [] for name in terminal)


def test_every_status_has_a_row_and_every_target_is_known() -> None:
    """The transition table covers every status and names only known statuses."""
    names = {s["name"] for s in STATUSES}
    assert set(TRANSITIONS) == names
    for targets in TRANSITIONS.values():
        assert set(targets) <= names


def test_every_status_is_reachable_from_an_initial_status() -> None:
    """No status is dead weight: each is reachable from a dossier's initial status."""
    seen = set(load_json("portal", "transitions.json")["initial"])
    frontier = list(seen)
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == {s["name"] for s in STATUSES}
