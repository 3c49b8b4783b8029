import pytest

from jiesu.domain.errors import InvalidInput
from tests.support import fixture_router


@pytest.fixture(scope="module")
def router():
    return fixture_router()


def test_property_management_goes_to_the_subdistrict_of_the_address_with_a_readable_reason(router):
    routing = router.route("WY1", "WJ01")
    assert routing.best.unit.code == "WJ"
    assert routing.best.reason.startswith("望京街道：物业服务属基本履职事项，地址在其辖区")
    co = [c.unit.code for c in routing.co_handlers]
    assert co == ["WJ01", "ZJW"]  # the community (admitted) before the department


def test_a_department_matter_is_led_by_the_department_and_never_pushed_down(router):
    routing = router.route("ZS1", "WJ01")
    assert [c.unit.code for c in routing.leads] == ["HBJ"]
    assert routing.best.reason == "区生态环境局：施工噪音属本部门基本履职事项"
    with pytest.raises(InvalidInput) as caught:
        router.check_dispatch("ZS1", "WJ")
    assert "不得下沉" in caught.value.message and caught.value.field == "unit"
    router.check_dispatch("ZS1", "WJ", role="co")  # the subdistrict may cooperate


def test_a_community_never_receives_a_matter_outside_its_admission_list(router):
    # ZS2 is admitted only for WJ01: at WJ02 the community is left out with a note
    routing = router.route("ZS2", "WJ02")
    assert "WJ02" not in [c.unit.code for c in routing.leads + routing.co_handlers]
    assert any("准入清单" in note for note in routing.notes)
    with pytest.raises(InvalidInput) as caught:
        router.check_dispatch("ZS2", "WJ02")
    assert "准入清单" in caught.value.message


def test_an_admitted_community_leads_where_its_level_has_the_basic_duty(router):
    routing = router.route("ZS2", "WJ01")
    assert [c.unit.code for c in routing.leads] == ["WJ01", "WJ"]


def test_a_matter_taken_back_by_the_higher_level_skips_the_subdistrict(router):
    routing = router.route("WJ1", "JX01")
    assert [c.unit.code for c in routing.leads] == ["CGW"]
    assert routing.co_handlers == []
    assert any("上级收回" in note for note in routing.notes)
    with pytest.raises(InvalidInput):
        router.check_dispatch("WJ1", "JX")


def test_a_utility_matter_goes_to_the_company(router):
    routing = router.route("GR1", "JX01")
    assert routing.best.unit.code == "RLJ"
    assert [c.unit.code for c in routing.co_handlers] == ["JX"]


def test_without_an_address_only_non_territorial_owners_are_proposed(router):
    routing = router.route("WY1", None)
    assert routing.leads == []
    assert any("地址未定位" in note for note in routing.notes)
    assert [c.unit.code for c in routing.co_handlers] == ["ZJW"]


def test_an_unknown_category_is_refused_naming_the_field(router):
    with pytest.raises(InvalidInput) as caught:
        router.route("NOPE", "WJ01")
    assert caught.value.field == "category"


def test_the_centre_cannot_handle_a_case(router):
    with pytest.raises(InvalidInput):
        router.check_dispatch("WY1", "CENTRE")


def test_a_districts_own_list_for_a_matter_replaces_the_citys_there():
    from jiesu.domain.enums import DutyType
    from jiesu.domain.routing import DutyItem, Router
    from tests.support import fixture_config

    config = fixture_config()
    local = [DutyItem("WY1", "department", DutyType.BASIC, "CGW", "CY"),
             DutyItem("WY1", "subdistrict", DutyType.COOPERATE, None, "CY")]
    elsewhere = [DutyItem("WY1", "department", DutyType.BASIC, "HBJ", "HD")]  # another district's list
    router = Router(fixture_router().directory, config["duties"] + local + elsewhere, config["admissions"])
    routing = router.route("WY1", "WJ01")
    assert [c.unit.code for c in routing.leads] == ["CGW"]
    assert routing.best.reason == "区城管委：物业服务属本部门基本履职事项（朝阳区派单目录）"
    assert [c.unit.code for c in routing.co_handlers] == ["WJ"]
    with pytest.raises(InvalidInput):
        router.check_dispatch("WY1", "WJ")  # in 朝阳区 the 街道 no longer leads it
    router.check_dispatch("WY1", "WJ", role="co")
    assert router.route("WY1", None).best is None  # without an address, the city's list: the 街道 of … nowhere
    assert router.route("WY2", "WJ01").best.unit.code == "WJ"  # other matters keep the city's list


def test_a_units_area_is_every_unit_under_it_and_not_itself(router):
    directory = router.directory
    assert directory.below("CY") == {"WJ", "WJ01", "WJ02", "JX", "JX01"}
    assert directory.below("WJ") == {"WJ01", "WJ02"}
    assert directory.below("WJ01") == frozenset() and directory.below("ZJW") == frozenset()
    assert directory.below("NOPE") == frozenset()
