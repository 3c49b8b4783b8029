"""改派经验: what recent re-dispatches teach the router, and where the duty lists still have the last word."""

from datetime import UTC, datetime

import pytest

from jiesu.domain.dispatch_lessons import Lesson, LessonBook
from tests.support import fixture_router

AT = datetime(2026, 11, 20, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def router():
    return fixture_router()


def advised(router, *lessons: Lesson):
    book = LessonBook(lessons)
    return router.with_lessons(lambda: book)


def test_a_strong_lesson_puts_the_unit_that_settles_the_matter_first_with_the_evidence(router):
    # in 朝阳区 the 街道 returned 5 of 6 物业服务 cases, which the 城管委 then settled
    routing = advised(router, Lesson("WY1", "CY", "subdistrict", "CGW", 5, 6, AT)).route("WY1", "WJ01")
    assert [c.unit.code for c in routing.leads] == ["CGW", "WJ"]
    assert routing.best.reason == ("区城管委：改派经验——近 90 天朝阳区「物业服务」派至街道/乡镇 6 件，"
                                   "5 件经退单或改派由区城管委办结")
    assert any("派单目录所列主办为望京街道" in note and "请管理员修订派单目录" in note for note in routing.notes)
    assert router.route("WY1", "WJ01").best.unit.code == "WJ"  # the router itself is not changed


def test_a_weaker_lesson_is_only_a_note_beside_the_duty_lists_suggestion(router):
    routing = advised(router, Lesson("WY1", "CY", "subdistrict", "CGW", 2, 8, AT)).route("WY1", "WJ01")
    assert routing.best.unit.code == "WJ"
    assert routing.notes == ["改派经验：近 90 天朝阳区「物业服务」派至街道/乡镇 8 件，2 件经退单或改派由区城管委办结"]


def test_occasional_returns_of_a_matter_mostly_settled_where_the_lists_send_it_teach_nothing(router):
    plain = router.route("WY1", "WJ01")
    routing = advised(router, Lesson("WY1", "CY", "subdistrict", "CGW", 4, 40, AT)).route("WY1", "WJ01")
    assert routing == plain


def test_a_lesson_holds_only_for_its_matter_district_and_listed_lead(router):
    plain = router.route("WY1", "WJ01")
    for lesson in (Lesson("WY2", "CY", "subdistrict", "CGW", 5, 6, AT),  # another matter
                   Lesson("WY1", "HD", "subdistrict", "CGW", 5, 6, AT),  # another district
                   Lesson("WY1", "CY", "ZJW", "CGW", 5, 6, AT)):  # cases first sent elsewhere
        assert advised(router, lesson).route("WY1", "WJ01") == plain


def test_a_lesson_never_pushes_a_department_matter_down_to_the_grassroots(router):
    # 施工噪音 is the 生态环境局's: however often the 街道 settled it, the lists forbid the 街道 to lead it
    routing = advised(router, Lesson("ZS1", "CY", "HBJ", "subdistrict", 6, 7, AT)).route("ZS1", "WJ01")
    assert routing.best.unit.code == "HBJ"
    assert any(note.startswith("改派经验：") and "不得下沉" in note and "请管理员核对派单目录" in note
               for note in routing.notes)


def test_a_territorial_lesson_names_the_unit_of_that_level_at_the_address(router):
    # the community is listed first; its cases go to the 街道 of the address, whichever that is
    lesson = Lesson("ZS2", "CY", "community", "subdistrict", 4, 5, AT)
    routing = advised(router, lesson).route("ZS2", "WJ01")
    assert [c.unit.code for c in routing.leads] == ["WJ", "WJ01"]
    assert "由街道/乡镇办结" in routing.best.reason


def test_cases_sent_straight_to_the_unit_keep_a_followed_lesson_alive(router):
    # once dispatchers follow the lesson few cases are moved any more; those sent straight there still count
    lesson = Lesson("WY1", "CY", "subdistrict", "CGW", moved=1, dispatched=2, last_at=AT, followed=6)
    assert (lesson.evidence, round(lesson.share, 3), lesson.strong) == (7, 0.875, True)
    routing = advised(router, lesson).route("WY1", "WJ01")
    assert routing.best.unit.code == "CGW"
    assert routing.best.reason.endswith("1 件经退单或改派由区城管委办结，另有 6 件直接派区城管委办结")


def test_a_lesson_about_a_unit_no_longer_in_the_directory_is_ignored_when_routing(router):
    book = LessonBook([Lesson("WY1", "CY", "subdistrict", "GONE", 5, 6, AT)])
    assert router.with_lessons(lambda: book).route("WY1", "WJ01") == router.route("WY1", "WJ01")
    assert book.verdict(router, book.lessons[0]) == "GONE 已不在单位名录中"
