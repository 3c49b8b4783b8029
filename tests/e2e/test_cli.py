"""The command line end to end, on a SQLite file in a temporary working directory."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiesu.cli.main import app
from tests.support import CITY, FIXTURES, SHARED_DATA, head_revision, png

runner = CliRunner()


@pytest.fixture
def jiesu(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JIESU_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        output = result.output  # stdout and stderr together
        assert result.exit_code == code, f"jiesu {' '.join(args)} exited {result.exit_code}:\n{output}"
        return output

    return run


def test_a_case_is_created_dispatched_signed_for_and_shown(jiesu):
    assert "units 11" in jiesu("config", "load", str(CITY))
    created = jiesu("case", "create", "--content", "望京西园三区物业不清理垃圾 [bold red]注入[/] 回电13912345678", "--kind", "投诉",
                    "--phone", "13812345678", "--name", "张三", "--division", "WJ01", "--category", "WY1")
    assert re.search(r"已受理：id 1，工单号 \d{15}", created)
    assert "主办建议：WJ 望京街道：物业服务属基本履职事项，地址在其辖区" in created
    assert "「待签收」" in jiesu("case", "act", "1", "dispatch", "--unit", "WJ", "--actor", "派单员李")
    assert "「办理中」" in jiesu("case", "act", "1", "签收", "--role", "handler", "--unit", "WJ")
    assert "已添加用户 zhao" in runner.invoke(app, ["user", "add", "zhao", "--role", "handler", "--unit", "WJ"],
                                          input="zhao-password\n").output
    assert "分办" in jiesu("case", "act", "1", "assign_owner", "--role", "handler", "--unit", "WJ", "--owner", "zhao")
    assert "不是本单位可登录的承办人账号" in jiesu("case", "act", "1", "assign_owner", "--role", "handler", "--unit", "WJ",
                                         "--owner", "nobody", code=2)
    Path("scene.png").write_bytes(png())
    assert "办理进展" in jiesu("case", "act", "1", "note_progress", "--role", "handler", "--unit", "WJ",
                             "--note", "已到现场", "--photo", "scene.png")
    assert "照片只接受 JPEG 或 PNG" in jiesu("case", "act", "1", "note_progress", "--role", "handler", "--unit", "WJ",
                                        "--note", "再次到现场", "--photo", "cli.db", code=2)
    assert "下派" in jiesu("case", "act", "1", "delegate", "--role", "handler", "--unit", "WJ", "--to", "WJ01",
                         "--reason", "请社区核实")  # to its 社区, from the command line too
    assert "只能下派给本单位下辖的单位" in jiesu("case", "act", "1", "delegate", "--role", "handler", "--unit", "WJ",
                                       "--to", "JX01", code=2)
    assert "协办反馈" in jiesu("case", "act", "1", "report_back", "--role", "handler", "--unit", "WJ01",
                           "--note", "网格员已核实", "--photo", "scene.png")  # the 社区 reports back, with a photo
    assert "收回下派" in jiesu("case", "act", "1", "recall", "--role", "handler", "--unit", "WJ", "--to", "WJ01",
                           "--reason", "社区已核实完毕")
    assert "该单位不是本工单下派的协办单位" in jiesu("case", "act", "1", "recall", "--role", "handler", "--unit", "WJ",
                                         "--to", "WJ01", "--reason", "再收一次", code=2)
    assert "督办" in jiesu("case", "act", "1", "supervise", "--role", "handler", "--unit", "CY", "--reason", "区级督办")
    shown = jiesu("case", "show", "1")
    assert "（承办人员 zhao）" in shown
    staff = jiesu("report", "unit", "WJ").split("承办人员（1）")[1]  # 本单位考核 on the command line: who has what
    assert re.search(r"zhao\s*│\s*1\s*│\s*0\s*│\s*0", staff)
    assert "办理进展（照片 1 张）" in shown and "协办反馈（照片 1 张）" in shown and "再次到现场" not in shown
    assert "138****5678" in shown and "13812345678" not in shown and "张*" in shown and "张三" not in shown
    assert "13912345678" not in shown and "139****5678" in shown  # in the text too
    assert "[bold red]注入[/]" in shown  # user text is shown as text, never as markup
    gas = jiesu("case", "create", "--content", "花家地社区5号楼楼道里燃气味很浓", "--kind", "求助", "--category", "WY1")
    assert "已按紧急件处理：文本含「燃气味」" in gas and "所在社区/街道取自诉求内容：WJ02" in gas
    assert "紧急" in jiesu("case", "show", "2")
    assert "受理" in shown and "派单" in shown and "签收" in shown
    revealed = jiesu("case", "show", "1", "--reveal", "--by", "坐席王")
    assert "13812345678" in revealed and "张三" in revealed and "13912345678" in revealed
    trail = jiesu("audit", "list", "--action", "personal_data")
    assert "坐席王" in trail and "查看完整个人信息" in trail and "诉求 1" in trail
    listed = jiesu("case", "list", "--status", "办理中")
    assert "办理中" in listed and "WJ" in listed
    assert "办理中" not in jiesu("case", "list", "--status", "dispatched")
    assert "[status]" in jiesu("case", "list", "--status", "nonsense", code=2)


def test_re_dispatches_settled_elsewhere_are_listed_and_advise_the_route(jiesu):
    jiesu("config", "load", str(CITY))
    assert "目前没有达到提示条件的改派经验" in jiesu("case", "lessons")
    for n in range(1, 4):
        jiesu("case", "create", "--content", f"望京西园{n}区门口占道经营", "--division", "WJ01", "--category", "WY1")
        jiesu("case", "act", str(n), "dispatch", "--unit", "WJ")
        jiesu("case", "act", str(n), "return", "--role", "handler", "--unit", "WJ", "--reason", "属城管执法",
              "--propose", "CGW")
        jiesu("case", "act", str(n), "redispatch", "--unit", "CGW", "--reason", "退单审核通过")
        jiesu("case", "act", str(n), "acknowledge", "--role", "handler", "--unit", "CGW")
        jiesu("case", "act", str(n), "resolve", "--role", "handler", "--unit", "CGW", "--reply", "已清理")
    listed = jiesu("case", "lessons")
    assert re.search(r"物业服务 │ 朝阳区 +│ 街道/乡镇 +│ 区城管委 +│ 3/3 +│ 0 +│ 100% +│ .+│ 首选建议", listed), listed
    route = jiesu("case", "route", "WY1", "WJ01")
    assert route.index("主办建议：CGW 区城管委：改派经验") < route.index("主办建议：WJ 望京街道")


def test_the_schema_is_created_and_reported(jiesu):
    assert head_revision() in jiesu("db", "upgrade")
    assert jiesu("db", "current").strip() == head_revision()


def test_the_database_is_backed_up_checked_and_restored_from_the_command_line(jiesu, tmp_path):
    jiesu("config", "load", str(CITY))
    jiesu("case", "create", "--content", "望京西园三区物业不清理垃圾", "--division", "WJ01", "--category", "WY1")
    made = jiesu("db", "backup", "backups.db")
    assert "备份完成" in made and "requests 1" in made and "JIESU_SECRET_KEY" in made
    assert "[destination]" in jiesu("db", "backup", "backups.db", code=2)  # never overwritten unasked
    assert f"版本 {head_revision()}" in jiesu("db", "verify", "backups.db")
    (tmp_path / "junk.db").write_text("not a backup")
    assert "[backup]" in jiesu("db", "verify", "junk.db", code=2)
    jiesu("case", "create", "--content", "第二件", "--division", "WJ01", "--category", "WY1")
    assert "已取消" in runner.invoke(app, ["db", "restore", "backups.db"], input="n\n").output
    assert "第二件" in jiesu("case", "list")
    restored = jiesu("db", "restore", "backups.db", "--yes")
    assert "已恢复" in restored and "before-restore" in restored
    assert "第二件" not in jiesu("case", "list") and list(tmp_path.glob("cli.db.before-restore-*"))


def test_the_search_index_is_rebuilt_from_the_command_line_and_the_rebuild_is_audited(jiesu, tmp_path):
    from sqlalchemy import create_engine, text

    jiesu("config", "load", str(CITY))
    jiesu("case", "create", "--content", "望京西园三区物业不清理垃圾", "--division", "WJ01", "--category", "WY1")
    engine = create_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.begin() as c:
        c.execute(text("DELETE FROM request_words"))
    assert "望京西园" not in jiesu("case", "list", "--text", "西园三区")
    assert "已重建工单查询索引：1 件工单" in jiesu("db", "reindex", "--by", "管理员甲")
    assert "望京西园" in jiesu("case", "list", "--text", "西园三区")
    with engine.connect() as c:
        assert c.execute(text("SELECT actor, detail FROM audit_log WHERE action = 'db.reindex'")).one() == (
            "管理员甲", '{"cases": 1}')
    engine.dispose()


def test_personal_data_past_its_keeping_period_is_removed_from_the_command_line(jiesu):
    from datetime import date, timedelta

    jiesu("config", "load", str(CITY))
    jiesu("case", "create", "--content", "公租房怎么申请", "--kind", "咨询", "--division", "WJ01", "--category", "WY1")
    today = date.today().isoformat()  # a case received today is not before today: nothing is due yet
    assert "0 件（未改动）" in jiesu("privacy", "anonymise", "--before", today, "--dry-run")
    assert "已清除 0 件" in jiesu("privacy", "anonymise", "--before", today)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert "[before]" in jiesu("privacy", "anonymise", "--before", tomorrow, code=2)
    assert "[before]" in jiesu("privacy", "anonymise", "--before", "2026-13-01", code=2)


def test_an_action_not_allowed_now_exits_2_naming_status_and_action(jiesu):
    jiesu("config", "load", str(CITY))
    jiesu("case", "create", "--content", "测试", "--division", "WJ01", "--category", "WY1")
    out = jiesu("case", "act", "1", "resolve", "--role", "handler", "--unit", "WJ", "--reply", "x", code=2)
    assert "已受理" in out and "办结答复" in out


@pytest.mark.parametrize(("args", "field"), [
    (["--content", ""], "content"),
    (["--content", "x", "--phone", "110"], "requester.phone"),
    (["--content", "x", "--category", "NOPE"], "category"),
    (["--content", "x", "--kind", "whatever"], "kind"),
])
def test_bad_input_on_the_command_line_names_the_field(jiesu, args, field):
    jiesu("config", "load", str(CITY))
    out = jiesu("case", "create", *args, code=2)
    assert f"[{field}]" in out
    assert "id 1，" in jiesu("case", "create", "--content", "正常")  # nothing was written by the refusal


def test_a_broken_configuration_file_is_refused_with_file_line_and_reason(jiesu, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(CITY, broken)
    text = (broken / "duties.csv").read_text(encoding="utf-8").replace("ZS1,department,basic,HBJ", "ZS1,department,basic,XXX")
    (broken / "duties.csv").write_text(text, encoding="utf-8")
    out = jiesu("config", "load", str(broken), code=2)
    assert "duties.csv:6" in out and "XXX" in out


def test_calendar_load_and_deadlines_across_the_year_boundary(jiesu):
    out = jiesu("calendar", "deadline", "2026-12-30T10:00", "3wd")
    assert "2027-01-04 18:00" in out and "2027 年尚未载入" in out
    assert "放假 19 天" in jiesu("calendar", "load", str(FIXTURES / "notice_2027_fictional.txt"))
    out = jiesu("calendar", "deadline", "2026-12-30T10:00", "3wd")
    assert "2027-01-05 18:00" in out and "尚未载入" not in out
    assert "休息日" in jiesu("calendar", "day", "2027-01-01")


@pytest.mark.skipif(not (SHARED_DATA / "calendar").exists(), reason="../shared/data/calendar is not present")
def test_the_real_2026_notice_loads_from_the_command_line(jiesu):
    out = jiesu("calendar", "load", str(SHARED_DATA / "calendar" / "2026_state_council_holiday_notice.txt"))
    assert "2026 年节假日安排已载入：放假 33 天，调休上班 6 天" in out


def test_the_demo_builds_a_city_and_prints_last_months_ranking(jiesu, tmp_path):
    out = jiesu("demo", "--no-serve", "--count", "600", "--days", "90", "--config-out", str(tmp_path / "cfg"))
    assert "云河市已建成：206 个单位" in out and "三率考核排名" in out
    assert (tmp_path / "cfg" / "duties.csv").exists()
    assert "不再重复生成" in jiesu("demo", "--no-serve")
    scan = jiesu("sla", "scan")
    assert "超期" in scan
    report = jiesu("report", "sanlv", "--month", "2026-11", "--csv", str(tmp_path / "s.csv"))
    assert "综合得分" in report and "三率考核排名 · 街道/乡镇" in report and "三率考核排名 · 部门" in report
    assert (tmp_path / "s.csv").read_text(encoding="utf-8-sig").startswith("类别,类内排名")
    unit = jiesu("report", "unit", "BH02", "--month", "2026-11")
    assert "响应率" in unit and "响应不及时（" in unit and "回访未解决或不满意（" in unit
    assert "[unit]" in jiesu("report", "unit", "NOPE", code=2)


def test_the_generator_writes_a_parquet_file(jiesu, tmp_path):
    import pyarrow.parquet as pq

    out = jiesu("demo", "generate", "--rows", "5000", "--out", str(tmp_path / "g.parquet"), "--year", "2025")
    assert "已写出 5000 件诉求" in out
    table = pq.read_table(tmp_path / "g.parquet")
    assert table.num_rows == 5000 and len(set(table.column("category").to_pylist())) >= 30
    assert table.column("id").to_pylist() == list(range(1, 5001))
    # an emergency says what an emergency says (the longest fixed part of an alarm wording), an ordinary case not
    from jiesu.demo.matters import MATTERS

    alarms = {m.code: [max(re.split(r"\{\w+\}", w.body), key=len) for w in m.wordings if w.emergency]
              for m in MATTERS if len({w.emergency for w in m.wordings}) == 2}
    rows = zip(*(table.column(c).to_pylist() for c in ("category", "urgency", "content")), strict=True)
    told = [(any(a in content for a in alarms[category]), urgency == "emergency")
            for category, urgency, content in rows if category in alarms]
    assert all(said == flagged for said, flagged in told) and sum(flagged for _, flagged in told) >= 20


def test_hot_issues_from_a_csv_of_messages(jiesu, tmp_path):
    out = jiesu("issues", "hot", "--csv", str(FIXTURES / "messages_small.csv"), "--title-col", "留言主题",
                "--text-col", "留言详情", "--time-col", "留言时间", "--user-col", "留言用户", "--votes-col", "点赞数",
                "--top", "2", "--out", str(tmp_path / "hot"))
    assert "热点问题" in out and (tmp_path / "hot" / "hot_issue_messages.csv").exists()
    rows = (tmp_path / "hot" / "hot_issues.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 3 and rows[1].startswith("1,")
    assert "[--text-col]" in jiesu("issues", "hot", "--csv", str(FIXTURES / "messages_small.csv"),
                                   "--text-col", "nope", code=2)


def test_hot_issues_from_the_database(jiesu, tmp_path):
    jiesu("demo", "--no-serve", "--count", "400", "--days", "30")
    out = jiesu("issues", "hot", "--top", "3", "--since", "2026-10-01", "--until", "2026-12-31",
                "--out", str(tmp_path / "hot"))
    assert "热点问题" in out and len((tmp_path / "hot" / "hot_issues.csv").read_text(encoding="utf-8-sig")
                                    .splitlines()) == 4


def test_the_monthly_report_and_the_metrics_from_the_command_line(jiesu, tmp_path):
    jiesu("demo", "--no-serve", "--count", "500", "--days", "60")
    out = jiesu("report", "monthly", "--month", "2026-11", "--out", str(tmp_path / "report"))
    assert "已写出" in out
    html = (tmp_path / "report" / "月度分析报告-2026-11.html").read_text(encoding="utf-8")
    assert "接诉即办月度分析报告" in html and "三率考核排名" in html and "Plotly" in html
    assert "<script src=" not in html  # the charting code is inside the file: no CDN
    from openpyxl import load_workbook

    workbook = load_workbook(tmp_path / "report" / "月度分析报告-2026-11.xlsx")
    assert {"概览", "三率排名", "热点问题", "话务(接通率)", "话务(按时段)"} <= set(workbook.sheetnames)
    metric = jiesu("analytics", "metric", "by_channel", "--start", "2026-11-01", "--end", "2026-12-01")
    assert "phone" in metric and "占比%" in metric
    staffing = jiesu("analytics", "metric", "staffing", "--handling", "240", "--weeks", "2")
    assert "坐席排班建议" in staffing and "排班人数" in staffing
    assert "按话务记录" in staffing and "每通处理 240 秒" in staffing  # the demo's calls, the handling time asked for
    hourly = jiesu("analytics", "metric", "calls", "--by", "hour", "--start", "2026-11-01", "--end", "2026-12-01")
    assert "时段" in hourly and "接通率%" in hourly and "合计" in hourly
    assert "[by]" in jiesu("analytics", "metric", "calls", "--by", "week", code=2)
    assert "[share]" in jiesu("analytics", "metric", "staffing", "--share", "1.5", code=2)
    assert "[metric]" in jiesu("analytics", "metric", "nope", code=2)
    assert "[month]" in jiesu("report", "monthly", "--month", "2026-13", code=2)
    assert "增量刷新" in jiesu("analytics", "refresh")


def test_accounts_are_listed_disabled_enabled_given_new_passwords_and_tokens_revoked(jiesu, tmp_path):
    from jiesu.bootstrap import App
    from jiesu.services.users import authenticate, open311_client, principal_for_token
    from jiesu.settings import Settings

    jiesu("config", "load", str(CITY))
    assert "已添加用户 wang" in runner.invoke(app, ["user", "add", "wang", "--role", "handler", "--unit", "WJ"],
                                          input="old-password\n").output
    token = jiesu("token", "create", "--user", "wang").strip()
    key = jiesu("open311", "key", "create", "--name", "城管通").strip()
    check = App(Settings(database_url=f"sqlite:///{tmp_path / 'cli.db'}"))
    assert principal_for_token(check, token).name == "wang" and open311_client(check, key) is not None
    listed = jiesu("user", "list")
    assert "wang" in listed and "承办人" in listed and "可登录" in listed
    assert "已停用用户 wang" in jiesu("user", "disable", "wang")
    assert authenticate(check, "wang", "old-password") is None and principal_for_token(check, token) is None
    assert "已停用" in jiesu("user", "list")
    jiesu("user", "enable", "wang")
    assert authenticate(check, "wang", "old-password") is not None
    assert "已为 wang 设置新密码" in runner.invoke(app, ["user", "password", "wang"], input="new-password\n").output
    assert authenticate(check, "wang", "old-password") is None and authenticate(check, "wang", "new-password")
    short = runner.invoke(app, ["user", "password", "wang"], input="short\n")
    assert short.exit_code != 0 and "password" in short.output
    tokens = jiesu("token", "list", "--user", "wang")
    assert "有效" in tokens and token not in tokens  # never shown again
    jiesu("token", "revoke", "1")
    assert principal_for_token(check, token) is None and "已吊销" in jiesu("token", "list")
    assert "没有编号为 1 的有效令牌" in jiesu("token", "revoke", "1", code=2)
    assert "城管通" in jiesu("open311", "key", "list")
    jiesu("open311", "key", "revoke", "1")
    assert open311_client(check, key) is None
    assert "用户 nobody 不存在" in jiesu("user", "disable", "nobody", code=2)
    from sqlalchemy import select

    from jiesu.storage import tables as t
    with check.uow(read_only=True) as uow:
        actions = [r.action for r in uow.connection.execute(select(t.audit_log.c.action).order_by(t.audit_log.c.id))]
    assert {"user.disable", "user.enable", "user.password", "token.revoke", "open311_key.revoke"} <= set(actions)
    check.engine.dispose()


def test_a_model_is_trained_and_evaluated_from_the_command_line(jiesu, tmp_path):
    import json

    data = FIXTURES / "labelled_small.csv"  # 84 short messages of 3 matters, written for this test
    trained = jiesu("model", "train", str(data), "--text-col", "text", "--label-col", "label",
                    "--out", str(tmp_path / "m"))
    assert "84 条，3 类" in trained
    meta = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert "留出 20%（17 条）检验" in trained and meta["metrics"]["n"] == 17  # the model's own figures
    assert meta["metrics"]["auto_at"] == 0.85 and "置信度 ≥ 0.85 自动分类" in trained  # intake's threshold
    assert meta["format"] == "jiesu-text-classifier/2" and meta["labels"] == ["交通", "物业", "环境"]
    assert len(meta["data_sha256"]) == 64 and {"scikit-learn", "numpy"} <= set(meta["versions"])
    out = jiesu("model", "eval", str(tmp_path / "m"), str(data), "--text-col", "text", "--label-col", "label")
    last = json.loads(out.strip().splitlines()[-1])  # the last line is one JSON object
    assert {"n", "accuracy", "macro_f1", "texts_per_s", "top3_accuracy", "calibration_error", "auto_share",
            "auto_accuracy"} <= set(last)
    assert last["n"] == 84 and last["accuracy"] == 1.0 and last["top3_accuracy"] == 1.0
    assert "物业" in out  # the per-class table
    missing = jiesu("model", "train", str(data), "--text-col", "正文", "--out", str(tmp_path / "x"), code=2)
    assert "正文" in missing and not (tmp_path / "x").exists()
    jiesu("config", "load", str(CITY))
    empty = jiesu("model", "train", "--from-db", "--out", str(tmp_path / "db"), code=2)
    assert "没有已确定分类的工单" in empty and not (tmp_path / "db").exists()


def test_the_knowledge_base_is_loaded_and_searched_from_the_command_line(jiesu, tmp_path):
    data = tmp_path / "kb.csv"
    data.write_text("标题,答复,分类\n暖气不热怎么报修,请拨打供热公司报修电话，24 小时内上门。,GR1\n", encoding="utf-8")
    jiesu("db", "upgrade")
    jiesu("config", "load", str(CITY))
    assert "新增 1 条" in jiesu("knowledge", "load", str(data))
    assert "暖气不热怎么报修" in jiesu("knowledge", "list")
    assert "24 小时内上门" in jiesu("knowledge", "search", "家里暖气不热找谁修")
    assert "已写出 1 条" in jiesu("knowledge", "export", str(tmp_path / "out.csv"))
    assert "更新 1 条" in jiesu("knowledge", "load", str(tmp_path / "out.csv"))  # the export loads back as it is


def test_a_petition_is_opened_and_stepped_from_the_command_line(jiesu):
    jiesu("config", "load", str(CITY))
    jiesu("case", "create", "--content", "反映征地补偿问题", "--kind", "投诉", "--category", "WJ1")
    opened = jiesu("petition", "open", "1", "--received", "2026-11-02")
    assert "待决定受理（2026-11-02 收到）；下一步：决定是否受理 2026-11-17" in opened
    assert "办理中" in jiesu("petition", "act", "1", "受理", "--on", "2026-11-10")
    assert "不能「不予受理」" in jiesu("petition", "act", "1", "refuse", "--on", "2026-11-11", "--reason", "x", code=2)
    assert "未知信访操作" in jiesu("petition", "act", "1", "撤销", code=2)
    assert "出具处理意见" in jiesu("petition", "due", "--days", "400")


def test_the_secret_is_rotated_from_the_command_line_and_a_wrong_one_stops_the_server(jiesu, monkeypatch):
    monkeypatch.setenv("JIESU_SECRET_KEY", "first-secret")
    jiesu("config", "load", str(CITY))
    jiesu("case", "create", "--content", "楼道堆物", "--kind", "投诉", "--phone", "13812345678", "--name", "张三",
          "--division", "WJ01", "--category", "WY1")
    monkeypatch.setenv("JIESU_SECRET_KEY", "second-secret")
    assert "无法解密 2 条" in jiesu("secret", "check", code=1)  # the case and its 受理 text message
    assert "打不开本数据库中的个人信息（如诉求 1）" in jiesu("serve", "--port", "1", code=2)  # refused before serving
    assert "没有设置 JIESU_OLD_SECRET_KEYS" in jiesu("secret", "rotate", code=2)
    monkeypatch.setenv("JIESU_OLD_SECRET_KEYS", "first-secret")
    assert "旧密钥 2 条" in jiesu("secret", "check", code=1)
    assert "重新加密 2 条" in jiesu("secret", "rotate", "--by", "管理员甲")
    monkeypatch.delenv("JIESU_OLD_SECRET_KEYS")
    assert "当前密钥 2 条，旧密钥 0 条，无法解密 0 条" in jiesu("secret", "check")
    assert "张*" in jiesu("case", "show", "1")


def test_text_messages_wait_without_a_gateway_and_are_sent_through_one(jiesu, monkeypatch):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the http.server API)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    jiesu("config", "load", str(CITY))
    jiesu("case", "create", "--content", "楼道堆物", "--kind", "投诉", "--phone", "13812345678",
          "--division", "WJ01", "--category", "WY1")
    waiting = jiesu("notify", "status")
    assert "待发送 1 条" in waiting and "未配置短信网关" in waiting
    assert "JIESU_SMS_GATEWAY_URL" in jiesu("notify", "send", code=2)
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("JIESU_SMS_GATEWAY_URL", f"http://127.0.0.1:{server.server_port}/sms")
        assert "发送成功 1 条" in jiesu("notify", "send")
    finally:
        server.shutdown()
    assert [m["to"] for m in received] == ["13812345678"] and "您的诉求已受理" in received[0]["text"]
    assert "已发送 1 条" in jiesu("notify", "status")


def test_the_doctor_says_what_to_do_and_fails_on_a_secret_that_opens_nothing(jiesu, monkeypatch):
    monkeypatch.setenv("JIESU_SECRET_KEY", "first-secret")
    jiesu("config", "load", str(CITY))
    jiesu("case", "create", "--content", "楼道堆物", "--kind", "投诉", "--phone", "13812345678",
          "--division", "WJ01", "--category", "WY1")
    report = jiesu("doctor")
    assert "jiesu 体检" in report and "jiesu db backup" in report and "注意" in report
    monkeypatch.setenv("JIESU_SECRET_KEY", "second-secret")
    assert "打不开最近工单的个人信息" in jiesu("doctor", code=1)


def test_a_suggestion_is_answered_from_the_command_line_with_whether_it_is_adopted(jiesu):
    jiesu("config", "load", str(CITY))
    jiesu("case", "create", "--content", "建议在望京西园三区增设电动车充电桩", "--kind", "建议", "--category", "WY1",
          "--division", "WJ01")
    jiesu("case", "act", "1", "dispatch", "--unit", "WJ")
    jiesu("case", "act", "1", "签收", "--role", "handler", "--unit", "WJ")
    refused = jiesu("case", "act", "1", "resolve", "--role", "handler", "--unit", "WJ", "--reply", "已研究", code=2)
    assert "adoption" in refused and "请选择采纳情况" in refused
    assert "「办结待审核」" in jiesu("case", "act", "1", "resolve", "--role", "handler", "--unit", "WJ",
                                  "--reply", "已列入明年充电设施计划", "--adoption", "部分采纳")


def test_a_roster_is_loaded_whole_or_not_at_all_and_listed(jiesu, tmp_path):
    jiesu("db", "upgrade")
    jiesu("config", "load", str(CITY))
    roster = tmp_path / "roster.csv"
    roster.write_text("unit,start,end,name,phone\nWJ,2027-02-05 18:00,2027-02-06 09:00,张值班,13900000003\n"
                      "JX,2027-02-05 18:00,2027-02-05 08:00,李值班,13900000004\n", encoding="utf-8")
    refused = jiesu("duty", "load", str(roster), code=2)
    assert "[end] 第 3 行" in refused and "结束时间应晚于开始时间" in refused
    assert "共 0 个班次" in jiesu("duty", "list", "--at", "2027-02-01 00:00")  # nothing of it was added
    roster.write_text(roster.read_text(encoding="utf-8").replace("2027-02-05 08:00", "2027-02-06 08:00"),
                      encoding="utf-8")
    assert "已登记 2 个班次" in jiesu("duty", "load", str(roster))
    listed = jiesu("duty", "list", "--unit", "JX", "--at", "2027-02-01 00:00")
    assert "李值班" in listed and "张值班" not in listed and "13900000004" in listed


def test_the_daily_brief_from_the_command_line_lists_the_days_sensitive_cases(jiesu, tmp_path):
    from datetime import datetime, timedelta

    from jiesu.domain.calendar import SHANGHAI

    jiesu("config", "load", str(CITY))
    jiesu("case", "create", "--content", "电话13912345678，欠薪，二十多个工友明天集体上访", "--division", "WJ01")
    today = datetime.now(SHANGHAI).date()
    out = jiesu("report", "daily", "--day", today.isoformat(), "--out", str(tmp_path / "brief.html"))
    assert f"每日要情 {today}：诉求 1 件" in out and "敏感诉求 1" in out and "群体性（集体上访）" in out
    assert "较前一天 —（0）" in out  # nothing the day before to compare with
    sent = (tmp_path / "brief.html").read_text(encoding="utf-8")  # to send: one file, its style inside, no script
    assert f"每日要情 {today}" in sent and "群体性（集体上访）" in sent and "<script" not in sent
    assert "13912345678" not in sent and "139****5678" in sent
    assert "[day]" in jiesu("report", "daily", "--day", (today + timedelta(days=1)).isoformat(), code=2)
    jiesu("case", "create", "--content", "楼道灯坏了", "--division", "WJ01")
    listed = jiesu("case", "list", "--sensitive")
    assert "敏感诉求" in listed and "楼道灯坏了" not in listed  # the one case, marked in the list
    assert listed.count("敏感诉求") == 1 and "楼道灯坏了" in jiesu("case", "list")
    assert "敏感诉求：群体性（集体上访）" in jiesu("case", "show", "1")


def test_a_call_is_handed_over_to_an_emergency_line_and_a_sensitive_mark_cleared_from_the_command_line(jiesu):
    jiesu("config", "load", str(CITY))
    jiesu("case", "create", "--content", "楼下有人持刀打架，扬言要报复社会", "--kind", "求助", "--division", "WJ01")
    assert "[line] 未知取值 '911'" in jiesu("case", "act", "1", "hand_over", "--role", "agent", "--line", "911", code=2)
    assert "「已受理」" in jiesu("case", "act", "1", "change_sensitivity", "--role", "agent", "--not-sensitive",
                               "--reason", "核实：醉酒后气话")
    done = jiesu("case", "act", "1", "hand_over", "--role", "agent", "--line", "110", "--reference", "0231")
    assert "转紧急热线：工单" in done and "「已转紧急热线」" in done
    shown = jiesu("case", "show", "1")
    assert "转紧急热线" in shown and "110 报警（接警：0231）" in shown
    jiesu("case", "create", "--content", "小区路灯不亮", "--channel", "police", "--source-ref", "J0042",
          "--division", "WJ01")
    assert "110 转来（来源单号 J0042）" in jiesu("case", "show", "2")
    assert re.search(r"\b2\b.*小区路灯不亮", jiesu("case", "list", "--text", "J0042"))


def test_the_demo_started_again_serves_what_it_built_without_seeding_its_scenes_twice(jiesu, monkeypatch):
    import jiesu.cli.demo as demo_cli
    import jiesu.cli.serve as serve_cli

    served = []
    monkeypatch.setattr(serve_cli, "run", lambda app, host, port: served.append(port))
    monkeypatch.setattr(demo_cli, "deliver_demo_messages", lambda app: None)  # no threads left behind
    monkeypatch.setattr(demo_cli, "scan_demo_deadlines", lambda app: None)
    jiesu("demo", "--no-serve", "--count", "600", "--days", "90")
    first = jiesu("demo", "--port", "8123")  # built without serving before: its scenes are seeded now
    assert "人民建议征集：" in first and "话务：近 30 天来电" in first and "演示账号" in first
    again = jiesu("demo", "--port", "8124")  # a second start: the same city, fresh passwords, nothing seeded twice
    assert "演示场景已在首次启动时生成" in again and "人民建议征集：" not in again and "演示账号" in again
    assert served == [8123, 8124]
