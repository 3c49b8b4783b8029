"""坐席排班: Erlang C against a worked example and its edges."""

import pytest

from jiesu.domain.errors import InvalidInput
from jiesu.domain.staffing import Target, agents_needed, answered_in_time, erlang_c, scheduled


def test_the_textbook_example_takes_14_agents_on_the_phones_and_20_on_the_roster():
    # 100 calls in half an hour (200 an hour) of 3 minutes each: 10 erlangs; 80 % to be answered within 20 seconds
    target = Target(handling=180, answer_within=20, share=0.8, shrinkage=0.3)
    assert round(erlang_c(13, 10.0), 4) == 0.2853 and round(erlang_c(14, 10.0), 4) == 0.1741
    assert round(answered_in_time(13, 200, target), 3) == 0.796  # just short
    assert round(answered_in_time(14, 200, target), 3) == 0.888
    assert agents_needed(200, target) == 14 and scheduled(14, target) == 20


def test_no_calls_need_no_one_and_too_few_agents_answer_nothing_in_time():
    assert agents_needed(0, Target()) == 0 and scheduled(0, Target()) == 0
    assert erlang_c(5, 5.0) == 1.0 and answered_in_time(5, 60, Target()) == 0.0  # 5 erlangs, 5 agents: the queue grows
    assert agents_needed(1, Target()) == 1


def test_a_busy_hour_is_limited_by_how_busy_an_agent_may_be_not_only_by_the_answer_target():
    calls = 5000  # 417 erlangs: the target alone would be met near 430 agents, but each would be busy 97 % of the time
    needed = agents_needed(calls, Target())
    assert needed * 0.85 >= calls * 300 / 3600 > (needed - 1) * 0.85


@pytest.mark.parametrize(("field", "value"), [("handling", 0), ("answer_within", 0), ("share", 1.0),
                                               ("shrinkage", 0.9)])
def test_a_target_out_of_its_range_is_refused_naming_the_field(field, value):
    with pytest.raises(InvalidInput) as refused:
        Target(**{field: value})
    assert refused.value.field == field
