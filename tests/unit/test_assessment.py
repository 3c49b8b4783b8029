import pytest

from jiesu.domain.assessment import AssessmentRules, CallbackRecord, ResponseRecord, assess
from jiesu.domain.enums import Satisfaction
from jiesu.domain.errors import InvalidInput

S, B, U = Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED


def by_unit(scores):
    return {s.unit: s for s in scores}


def test_the_three_rates_and_the_weighted_score():
    responses = [ResponseRecord("A", True)] * 9 + [ResponseRecord("A", False)]
    callbacks = [CallbackRecord("A", True, S)] * 6 + [CallbackRecord("A", True, B)] * 2 + [CallbackRecord("A", False, U)] * 2
    a = by_unit(assess(responses, callbacks, AssessmentRules(10, 45, 45, basic_fraction=0.8)))["A"]
    assert a.response_rate == pytest.approx(0.9)
    assert a.resolution_rate == pytest.approx(0.8)
    assert a.satisfaction_rate == pytest.approx((6 + 0.8 * 2) / 10)  # 0.76
    assert a.score == pytest.approx(0.9 * 10 + 0.8 * 45 + 0.76 * 45)  # 79.2


def test_other_weights_change_the_ranking():
    responses = [ResponseRecord("fast", True)] * 10 + [ResponseRecord("good", False)] * 10
    callbacks = [CallbackRecord("fast", True, B)] * 10 + [CallbackRecord("good", True, S)] * 10
    heavy_response = assess(responses, callbacks, AssessmentRules(60, 20, 20, basic_fraction=0.5))
    light_response = assess(responses, callbacks, AssessmentRules(10, 45, 45, basic_fraction=0.5))
    assert [s.unit for s in heavy_response] == ["fast", "good"]
    assert [s.unit for s in light_response] == ["good", "fast"]


def test_a_unit_without_callbacks_is_scored_on_what_it_has():
    a = assess([ResponseRecord("A", True), ResponseRecord("A", False)], [], AssessmentRules())[0]
    assert a.resolution_rate is None and a.score == pytest.approx(50.0)


def test_equal_scores_share_a_rank():
    callbacks = [CallbackRecord("A", True, S), CallbackRecord("B", True, S), CallbackRecord("C", False, U)]
    ranks = {s.unit: s.rank for s in assess([], callbacks, AssessmentRules())}
    assert ranks == {"A": 1, "B": 1, "C": 3}


def test_units_are_ranked_against_their_own_kind():
    callbacks = [CallbackRecord("STREET1", True, S), CallbackRecord("STREET2", False, U),
                 CallbackRecord("POWER", True, S), CallbackRecord("WATER", True, B)]
    kinds = {"STREET1": "街道/乡镇", "STREET2": "街道/乡镇", "POWER": "公共服务企业", "WATER": "公共服务企业"}
    scores = assess([], callbacks, AssessmentRules(), group_of=kinds.get)
    assert {s.unit: (s.group, s.rank) for s in scores} == {
        "STREET1": ("街道/乡镇", 1), "STREET2": ("街道/乡镇", 2), "POWER": ("公共服务企业", 1),
        "WATER": ("公共服务企业", 2)}


def test_a_unit_with_fewer_cases_than_the_minimum_is_shown_unranked_after_the_others():
    callbacks = [CallbackRecord("ONE", True, S)] + [CallbackRecord("MANY", True, B)] * 3 \
        + [CallbackRecord("MANY", False, U)] * 2
    responses = [ResponseRecord("ONE", True)]
    scores = assess(responses, callbacks, AssessmentRules(min_cases=3))
    assert [(s.unit, s.rank, s.cases) for s in scores] == [("MANY", 1, 5), ("ONE", None, 2)]
    assert scores[1].score == pytest.approx(100.0)  # its rates are still shown
    assert [s.rank for s in assess(responses, callbacks, AssessmentRules(min_cases=2))] == [1, 2]


def test_co_handlers_count_the_configured_share():
    callbacks = [CallbackRecord("LEAD", True, S, ("CO",)), CallbackRecord("LEAD", False, U, ("CO",))]
    none = by_unit(assess([], callbacks, AssessmentRules(co_handler_share=0)))
    assert "CO" not in none
    half = by_unit(assess([], callbacks, AssessmentRules(co_handler_share=0.5)))["CO"]
    assert half.callbacks == pytest.approx(1.0) and half.resolution_rate == pytest.approx(0.5)


@pytest.mark.parametrize("kwargs", [{"basic_fraction": 1.5}, {"response_weight": -1},
                                    {"response_weight": 0, "resolution_weight": 0, "satisfaction_weight": 0},
                                    {"co_handler_share": 2}, {"min_cases": -1}])
def test_bad_assessment_rules_are_refused(kwargs):
    with pytest.raises(InvalidInput):
        AssessmentRules(**kwargs)


def test_units_taken_as_one_count_their_cases_together_not_their_rates_averaged():
    from jiesu.domain.assessment import combined

    rules = AssessmentRules(10, 45, 45, basic_fraction=0.8)
    responses = [ResponseRecord("big", True)] * 90 + [ResponseRecord("big", False)] * 10 + [ResponseRecord("small", False)]
    callbacks = [CallbackRecord("big", True, S)] * 100 + [CallbackRecord("small", False, U)]
    scores = assess(responses, callbacks, rules)
    whole = combined("district", scores, rules)
    assert (whole.unit, whole.due, whole.responded, whole.callbacks, whole.solved) == ("district", 101, 90, 101, 100)
    assert whole.response_rate == pytest.approx(90 / 101) and whole.resolution_rate == pytest.approx(100 / 101)
    assert whole.score == pytest.approx(90 / 101 * 10 + 100 / 101 * 45 + 100 / 101 * 45)  # not (big + small) / 2
    assert whole.rank is None and combined("nobody", [], rules) is None
