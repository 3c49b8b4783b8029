from datetime import UTC, datetime

import pytest

from jiesu.domain.enums import Role
from jiesu.domain.errors import Forbidden, IllegalTransition
from jiesu.domain.workflow import (
    ACTION_ROLES,
    TRANSITIONS,
    Action,
    Status,
    check_role,
    next_status,
    running_deadline,
)

ALL_PAIRS = [(s, a) for s in Status for a in Action if a != Action.REGISTER]


@pytest.mark.parametrize(("status", "action"), [p for p in ALL_PAIRS if p in TRANSITIONS])
def test_every_allowed_transition_gives_its_target(status, action):
    assert next_status(status, action) == TRANSITIONS[(status, action)]


@pytest.mark.parametrize(("status", "action"), [p for p in ALL_PAIRS if p not in TRANSITIONS])
def test_every_forbidden_transition_is_refused_naming_status_and_action(status, action):
    with pytest.raises(IllegalTransition) as caught:
        next_status(status, action)
    assert status.label in caught.value.message and action.label in caught.value.message
    assert caught.value.field == "action"


def test_archived_is_final():
    assert not [a for (s, a) in TRANSITIONS if s == Status.ARCHIVED]


def test_every_status_is_reachable_from_registered():
    reached, frontier = {Status.REGISTERED}, [Status.REGISTERED]
    while frontier:
        current = frontier.pop()
        for (s, _), target in TRANSITIONS.items():
            if s == current and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(Status)


def test_every_action_names_who_may_act():
    assert set(ACTION_ROLES) == set(Action)


def test_a_handler_may_not_approve_an_extension():
    with pytest.raises(Forbidden):
        check_role(Action.APPROVE_EXTENSION, Role.HANDLER)
    check_role(Action.APPROVE_EXTENSION, Role.SUPERVISOR)


def test_only_the_unit_signs_for_a_case():
    with pytest.raises(Forbidden):
        check_role(Action.ACKNOWLEDGE, Role.DISPATCHER)


RESOLVE, FOLLOW_UP = datetime(2026, 11, 30, 10, tzinfo=UTC), datetime(2026, 12, 2, 10, tzinfo=UTC)


@pytest.mark.parametrize(("status", "expected"), [
    (Status.DISPATCHED, RESOLVE), ("in_progress", RESOLVE), (Status.EXTENSION_PENDING, RESOLVE),
    (Status.RETURN_PENDING, RESOLVE), (Status.AWAITING_FOLLOW_UP, FOLLOW_UP),
    (Status.REGISTERED, None), (Status.RESOLVED, None), (Status.ANSWERED, None), (Status.CLOSED, None),
    (Status.MERGED, None), (Status.HANDED_OVER, None), (Status.ARCHIVED, None), (Status.WITHDRAWN, None)])
def test_a_unit_works_to_its_resolution_deadline_and_the_callback_to_its_own_and_nothing_else_runs_late(status,
                                                                                                      expected):
    assert running_deadline(status, RESOLVE, FOLLOW_UP) == expected
