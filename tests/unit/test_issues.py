"""Clustering messages into issues and ranking the hot ones, on a small fixture."""

from datetime import datetime

from jiesu.issues import export
from jiesu.issues.hot import Issue, Message, build_issues, heat_index, label, top_issues
from jiesu.issues.sources import messages_from_csv
from jiesu.nlp.similarity import components, similar_pairs, vectors
from tests.support import FIXTURES


def fixture_messages():
    return messages_from_csv(FIXTURES / "messages_small.csv", title_col="留言主题", text_col="留言详情",
                             time_col="留言时间", user_col="留言用户", votes_col="点赞数")


def test_reposts_of_one_complaint_become_one_issue_and_rank_first():
    issues = top_issues(fixture_messages(), top=3)
    first = issues[0]
    assert sorted(m.id for m in first.messages) == ["1", "2", "3", "4"]
    assert first.requesters == 4 and "丽景小区" in first.place and first.population == "居民"
    assert issues[1].messages[0].id in ("5", "6") and len(issues[1].messages) == 2
    assert issues[1].requesters == 1  # one person twice is not two people


def test_an_issues_place_is_not_read_with_the_verb_before_it():
    """举报红星公寓违建 names 红星公寓, not a place called 举报红星公寓 (the body says where)."""
    when = datetime(2020, 1, 1)
    issue = Issue("a", [Message("1", "举报红星公寓违建", "红星公寓一楼住户私扩院子", when),
                        Message("2", "表扬人民路派出所", "人民路派出所民警帮我找回了钱包", when)])
    label(issue)
    assert set(issue.place.split("、")) == {"红星公寓", "人民路"}


def test_near_here_is_not_a_place():
    """附近小区 or 旁边的路 says where the caller is, not which compound: the place is the one named."""
    when = datetime(2020, 1, 1)
    issue = Issue("a", [Message("1", "增设公交站", "附近小区的老人去医院太远。长乐路应增设公交站", when),
                        Message("2", "增设公交站", "这边小区出行不便。长乐路能否加一个站", when)])
    label(issue)
    assert issue.place == "长乐路"


def test_the_heat_index_weighs_people_more_than_repeats():
    when = datetime(2020, 1, 1)
    many_people = Issue("a", [Message(str(i), "t", "x", when, user=f"u{i}") for i in range(4)])
    one_person = Issue("b", [Message(str(i), "t", "x", when, user="u") for i in range(4)])
    assert heat_index(many_people, when) > heat_index(one_person, when)


def test_similar_pairs_are_exact_and_components_cover_everything():
    texts = ["小区搅拌站噪音扰民", "小区搅拌站噪音很大扰民", "公租房申请条件"]
    pairs = similar_pairs(vectors(texts), 0.3, block=1)
    assert [(i, j) for i, j, _ in pairs] == [(0, 1)]
    assert components(3, pairs) == [[0, 1], [2]]


def test_the_tables_and_the_workbook_are_written_and_formulas_are_not_executed(tmp_path):
    issues = build_issues(fixture_messages())
    for issue in issues:
        issue.description = issue.messages[0].title
    written = export.write(issues, tmp_path)
    assert [p.name for p in written] == ["hot_issues.csv", "hot_issue_messages.csv", "hot_issues.xlsx"]
    header = (tmp_path / "hot_issues.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("热度排名,问题ID,热度指数,时间范围,地点/人群,问题描述")
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "hot_issues.xlsx")["留言明细"]
    titles = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://x\")" in titles


def test_clusters_are_the_components_of_all_similar_pairs():
    import random

    from jiesu.nlp.similarity import clusters

    rng = random.Random(3)
    words = ["噪音", "油烟", "积水", "停车", "垃圾", "漏水", "暖气", "物业", "施工", "电梯"]
    texts = ["".join(rng.choice(words) for _ in range(4)) for _ in range(200)]
    matrix = vectors(texts)
    for threshold in (0.3, 0.6, 0.9):
        assert clusters(matrix, threshold, block=37) == components(200, similar_pairs(matrix, threshold, block=50))


def test_representative_clusters_match_single_linkage_on_matters_and_reposts():
    import random

    from jiesu.nlp.similarity import clusters, representative_clusters

    rng = random.Random(5)
    matters = ["楼下烧烤店油烟扰民，晚上烟很大", "酒仙桥路口下雨就积水，车辆无法通行", "小区电梯坏了没人修，老人上下楼困难"]
    texts = [f"{rng.choice(['', '又来反映：', '投诉'])}{m}{rng.randint(1, 99)}号" for m in matters for _ in range(40)]
    rng.shuffle(texts)
    matrix = vectors(texts)
    found = representative_clusters(matrix, 0.3, block=16)
    assert sorted(i for g in found for i in g) == list(range(len(texts)))  # every row in exactly one cluster
    assert found == clusters(matrix, 0.3) and len(found) == 3
