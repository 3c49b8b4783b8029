from jiesu.domain.calendar import Duration
from jiesu.domain.enums import RequestKind, Urgency
from jiesu.domain.sla import SlaBook, SlaPolicy


def policy(name, **kw):
    limits = {k: Duration.parse(v) for k, v in dict(acknowledge="2wh", contact="1wd", resolve="7wd",
                                                     follow_up="2wd", supervise="3wd").items()}
    limits.update({k: Duration.parse(v) for k, v in kw.pop("limits", {}).items()})
    return SlaPolicy(name, **limits, **kw)


BOOK = SlaBook([
    policy("默认"),
    policy("紧急", urgency=Urgency.EMERGENCY, limits={"resolve": "2h"}),
    policy("投诉紧急", kind=RequestKind.COMPLAINT, urgency=Urgency.EMERGENCY),
    policy("供热", category="GR", limits={"resolve": "24h"}),
    policy("暖气不热", category="GR1", limits={"resolve": "12h"}),
])


def test_the_default_applies_when_nothing_else_does():
    assert BOOK.select(RequestKind.HELP, Urgency.NORMAL, ["WY1", "WY", "CX"]).name == "默认"


def test_kind_and_urgency_together_beat_urgency_alone():
    assert BOOK.select(RequestKind.COMPLAINT, Urgency.EMERGENCY, ["WY1"]).name == "投诉紧急"
    assert BOOK.select(RequestKind.HELP, Urgency.EMERGENCY, ["WY1"]).name == "紧急"


def test_a_category_override_beats_kind_and_urgency_and_the_nearest_category_wins():
    assert BOOK.select(RequestKind.HELP, Urgency.EMERGENCY, ["GR2", "GR", "CX"]).name == "供热"
    assert BOOK.select(RequestKind.HELP, Urgency.NORMAL, ["GR1", "GR", "CX"]).name == "暖气不热"
