import shutil

import pytest

from jiesu.domain.errors import ConfigError
from jiesu.services.config_loader import read_config, read_units
from tests.support import CITY


@pytest.fixture
def city(tmp_path):
    target = tmp_path / "city"
    shutil.copytree(CITY, target)
    return target


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def refused(city) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        read_config(city)
    return caught.value


def test_the_fixture_city_loads():
    config = read_config(CITY)
    assert len(config["units"]) == 11 and len(config["duties"]) == 12
    assert config["assessment"]["co_handler_share"] == 0.5


def test_a_cycle_in_the_unit_tree_is_refused_with_file_and_line(city):
    (city / "units.csv").write_text("code,name,kind,parent\nA,甲部门,department,B\nB,乙部门,department,A\n",
                                    encoding="utf-8")
    error = refused(city)
    assert error.file == "units.csv" and error.line == 2 and "环" in error.reason


def test_duty_phones_are_optional_and_must_be_mobiles(city):
    units = {u.code: u for u in read_config(CITY)["units"]}
    assert units["WJ"].duty_phone == "13900000001" and units["JX"].duty_phone is None
    edit(city / "units.csv", "WJ,望京街道,subdistrict,CY,13900000001", "WJ,望京街道,subdistrict,CY,010-64701234")
    error = refused(city)
    assert error.file == "units.csv" and error.line == 4 and "duty_phone 应为手机号" in error.reason
    edit(city / "units.csv", "010-64701234", "12345")
    assert "duty_phone：电话号码格式不正确" in refused(city).reason
    (city / "units.csv").write_text("code,name,kind,parent\nA,甲部门,department,\n", encoding="utf-8")
    assert [u.duty_phone for u in read_units(city)] == [None]  # a file without the column still loads


def test_a_community_under_a_district_is_refused(city):
    edit(city / "units.csv", "WJ02,花家地社区,community,WJ", "WJ02,花家地社区,community,CY")
    error = refused(city)
    assert error.file == "units.csv" and error.line == 6 and "上级必须是" in error.reason


def test_a_matter_with_no_owner_is_refused_naming_its_line(city):
    edit(city / "duties.csv", "WY2,subdistrict,basic,\n", "")
    error = refused(city)
    assert error.file == "categories.csv" and error.line == 5 and "电梯故障" in error.reason


def test_an_unknown_category_in_the_duty_list_is_refused(city):
    edit(city / "duties.csv", "ZS2,community,basic,", "ZS9,community,basic,")
    error = refused(city)
    assert (error.file, error.line) == ("duties.csv", 9) and "ZS9" in error.reason


def test_an_unknown_unit_in_the_duty_list_is_refused(city):
    edit(city / "duties.csv", "ZS1,department,basic,HBJ", "ZS1,department,basic,XXX")
    error = refused(city)
    assert (error.file, error.line) == ("duties.csv", 6) and "XXX" in error.reason


def test_a_department_line_naming_a_community_is_refused(city):
    edit(city / "duties.csv", "ZS1,department,basic,HBJ", "ZS1,department,basic,WJ01")
    assert "与层级" in refused(city).reason


def test_an_admission_for_a_non_community_is_refused(city):
    edit(city / "admission.csv", "ZS2,WJ01", "ZS2,WJ")
    error = refused(city)
    assert (error.file, error.line) == ("admission.csv", 3)


def test_a_bad_time_limit_names_the_policy_and_its_line(city):
    edit(city / "sla.yaml", "resolve: 24h", "resolve: 24 hours")
    error = refused(city)
    assert error.file == "sla.yaml" and error.line == 27 and "供热" in error.reason


def test_the_report_limit_is_optional_and_checked_like_the_others(city):
    policies = {p.name: p for p in read_config(CITY)["policies"]}
    assert str(policies["默认"].report) == "3wd" and policies["紧急"].report is None  # without: the 办结时限
    edit(city / "sla.yaml", "report: 3wd", "report: three days")
    error = refused(city)
    assert error.file == "sla.yaml" and error.line == 8 and "默认" in error.reason and "report" in error.reason


def test_sla_without_a_default_policy_is_refused(city):
    edit(city / "sla.yaml", "  - name: 默认\n    acknowledge", "  - name: 默认\n    urgency: urgent\n    acknowledge")
    assert "默认策略" in refused(city).reason


def test_a_missing_column_is_refused(city):
    (city / "categories.csv").write_text("code,name\nX,某\n", encoding="utf-8")
    error = refused(city)
    assert (error.file, error.line) == ("categories.csv", 1) and "parent" in error.reason


def test_a_fourth_category_level_is_refused(city):
    with (city / "categories.csv").open("a", encoding="utf-8") as handle:
        handle.write("WY1X,过细,WY1\n")
    assert "超过三级" in refused(city).reason


def test_a_missing_file_is_refused(city):
    (city / "duties.csv").unlink()
    assert refused(city).file == "duties.csv"


SQUARE = [[116.0, 39.0], [116.1, 39.0], [116.1, 39.1], [116.0, 39.1], [116.0, 39.0]]


def boundaries_file(city, features) -> None:
    import json

    (city / "boundaries.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                                             encoding="utf-8")


def feature(code, rings, kind="Polygon"):
    return {"type": "Feature", "properties": {"code": code}, "geometry": {"type": kind, "coordinates": rings}}


def test_boundaries_are_optional_and_read_as_outer_rings(city):
    assert read_config(city)["boundaries"] == {}
    boundaries_file(city, [feature("WJ", [SQUARE]), feature("JX", [[SQUARE], [SQUARE]], "MultiPolygon")])
    shapes = read_config(city)["boundaries"]
    assert shapes["WJ"] == [SQUARE] and len(shapes["JX"]) == 2


@pytest.mark.parametrize("features, reason", [
    ([feature("NOPE", [SQUARE])], "不是已配置"),
    ([feature("WY", [SQUARE])], "不是已配置"),  # a department has no territory
    ([feature("WJ", [SQUARE]), feature("WJ", [SQUARE])], "重复"),
    ([{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}], "code"),
    ([feature("WJ", [[[116.0, 39.0], [116.1, 39.0]]])], "至少 4 个点"),
    ([feature("WJ", [[[200.0, 39.0]] * 4])], "有效范围"),
    ([feature("WJ", [[["东", "西"]] * 4])], "经度"),
    ([feature("WJ", [[SQUARE]], "Point")], "Polygon"),
])
def test_a_bad_boundary_feature_is_refused_naming_it(city, features, reason):
    boundaries_file(city, features)
    error = refused(city)
    assert error.file == "boundaries.geojson" and reason in error.reason


def test_a_boundaries_file_that_is_not_geojson_is_refused(city):
    (city / "boundaries.geojson").write_text("{not json", encoding="utf-8")
    assert "JSON" in refused(city).reason
    (city / "boundaries.geojson").write_text('{"type": "Feature"}', encoding="utf-8")
    assert "FeatureCollection" in refused(city).reason


def test_a_district_may_have_its_own_list_for_a_matter_which_must_name_a_lead(city):
    edit(city / "duties.csv", "category,level,duty_type,unit\n", "category,level,duty_type,unit,district\n")
    with (city / "duties.csv").open("a", encoding="utf-8") as f:
        f.write("WY1,department,basic,CGW,CY\nWY1,subdistrict,cooperate,,CY\n")
    local = [d for d in read_config(city)["duties"] if d.district]
    assert [(d.category, d.level, d.unit, d.district) for d in local] == \
        [("WY1", "department", "CGW", "CY"), ("WY1", "subdistrict", None, "CY")]
    edit(city / "duties.csv", "WY1,department,basic,CGW,CY", "WY1,department,cooperate,CGW,CY")
    error = refused(city)
    assert error.file == "duties.csv" and "CY 专用的「WY1」" in error.reason and "基本履职" in error.reason


def test_a_district_column_naming_anything_but_a_district_is_refused_with_the_line(city):
    edit(city / "duties.csv", "category,level,duty_type,unit\n", "category,level,duty_type,unit,district\n")
    with (city / "duties.csv").open("a", encoding="utf-8") as f:
        f.write("WY1,department,basic,CGW,WJ\n")
    error = refused(city)
    assert error.file == "duties.csv" and error.line == 14 and "district 应为区的单位代码" in error.reason


def test_values_past_the_headers_last_column_are_refused_not_dropped(city):
    with (city / "duties.csv").open("a", encoding="utf-8") as f:
        f.write("WY1,department,basic,CGW,CY\n")  # a district written without its column in the header
    error = refused(city)
    assert error.file == "duties.csv" and error.line == 14 and "请在表头补上列名" in error.reason
    assert "district" in error.reason
