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


def test_co_handlers_count_the_configured_share():
    callbacks = [CallbackRecord("LEAD", True, S, ("CO",)), CallbackRecord("LEAD", False, U, ("CO",))]
    none = by_unit(assess([], callbacks, AssessmentRules(co_handler_share=0)))
    assert "CO" not in none
    half = by_unit(assess([], callbacks, AssessmentRules(co_handler_share=0.5)))["CO"]
    assert half.callbacks == pytest.approx(1.0) and half.resolution_rate == pytest.approx(0.5)


@pytest.mark.parametrize("kwargs", [{"basic_fraction": 1.5}, {"response_weight": -1},
                                    {"response_weight": 0, "resolution_weight": 0, "satisfaction_weight": 0},
                                    {"co_handler_share": 2}])
def test_bad_assessment_rules_are_refused(kwargs):
    with pytest.raises(InvalidInput):
        AssessmentRules(**kwargs)
