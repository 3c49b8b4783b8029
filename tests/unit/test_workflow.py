import pytest

from jiesu.domain.enums import Role
from jiesu.domain.errors import Forbidden, IllegalTransition
from jiesu.domain.workflow import ACTION_ROLES, TRANSITIONS, Action, Status, check_role, next_status

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
