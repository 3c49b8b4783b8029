"""Intake with text intelligence: urgency, place, personal data, keywords, and the trained model's category."""

from __future__ import annotations

from fastapi.testclient import TestClient

from jiesu.api.app import create_app
from jiesu.domain.workflow import Action
from jiesu.services import audit, cases, models
from jiesu.services.cases import ActionInput, Intake
from jiesu.services.users import add_user, create_token
from tests.support import AGENT, DISPATCHER


def client_for(app, role="agent", unit=None):
    name = f"{role}-{unit or 'x'}"
    add_user(app, name, role, "password-123", unit)
    client = TestClient(create_app(app))
    client.headers["Authorization"] = f"Bearer {create_token(app, name)}"
    return client


def test_an_emergency_in_the_text_marks_the_case_urgent_with_the_reason(app):
    api = client_for(app)
    case = api.post("/api/v1/requests", json={"content": "望京西园社区3号楼楼道里燃气味很重，怀疑漏气",
                                               "requester_phone": "13812345678"}).json()
    assert case["urgency"] == "emergency"
    assert "燃气味" in case["suggestions"]["applied"]["urgency_reason"]
    assert case["location"]["division"] == "WJ01"  # the place named in the text
    assert case["suggestions"]["place"]["name"] == "望京西园社区"
    first = case["events"][0]["changes"]["suggestion"][1]
    assert first["urgent"] is True and first["applied"]["division"] == "WJ01"


def test_personal_data_in_the_text_is_flagged_and_masked_for_roles_that_must_not_see_it(app):
    api = client_for(app)
    text = "我的身份证号11010519491231002X，电话13912345678，小区物业不作为"
    case = api.post("/api/v1/requests", json={"content": text, "division": "WJ01", "category": "WY1"}).json()
    assert case["suggestions"]["personal_data"] == ["id_card", "mobile"]
    assert "13912345678" not in case["content"] and "139****5678" in case["content"]  # masked by default
    full = api.get(f"/api/v1/requests/{case['id']}", params={"reveal": "true"}).json()
    assert full["content"] == text  # the agent may see it in full, on request (recorded)
    analyst = client_for(app, "analyst")
    shown = analyst.get(f"/api/v1/requests/{case['id']}").json()["content"]
    assert "11010519491231002X" not in shown and "13912345678" not in shown and "139****5678" in shown
    assert "13912345678" not in api.get(f"/open311/v2/requests/{case['ticket']}.json").text
    assert case["suggestions"]["keywords"]
    assert not any("1101" in k or "1391" in k for k in case["suggestions"]["keywords"])


def test_a_model_trained_from_the_database_classifies_at_intake_and_people_can_correct_it(app, clock, tmp_path):
    from jiesu.nlp.classifier import TextClassifier

    texts = {"WY1": ["物业不清理楼道垃圾", "物业服务太差没人管", "物业乱收费", "物业不作为"],
             "ZS1": ["工地夜间施工噪音大", "晚上打桩吵得睡不着", "施工噪音扰民", "渣土车夜里施工"],
             "GR1": ["暖气不热屋里冷", "供暖温度不达标", "暖气片冰凉", "家里暖气不热"]}
    for category, samples in texts.items():
        for text in samples * 2:
            case = cases.register(app, AGENT, Intake(content=text, division="WJ01", category=category))
            clock.advance(minutes=1)
            unit = {"WY1": "WJ", "ZS1": "HBJ", "GR1": "RLJ"}[category]
            cases.perform(app, DISPATCHER, case.id, Action.DISPATCH, ActionInput(unit=unit))
    texts_, labels = models.training_data_from_db(app)
    assert sorted(set(labels)) == ["GR1", "WY1", "ZS1"] and len(texts_) == 12  # de-duplicated by text
    TextClassifier.train(texts_, labels, source="database").save(tmp_path / "model")
    models.activate(app, tmp_path / "model", "管理员甲")
    [activated], _ = audit.entries(app, audit.AuditQuery(action="model.activate"))
    assert activated.actor == "管理员甲" and activated.detail["n"] == 12 and activated.detail["replaces"] is None
    app.settings.auto_classify_confidence = 0.4
    api = client_for(app)
    case = api.post("/api/v1/requests", json={"content": "小区暖气不热，屋里太冷", "division": "WJ01"}).json()
    assert case["suggestions"]["source"] == "model"
    assert case["suggestions"]["categories"][0]["code"] == "GR1"
    assert case["category"] == "GR1" and case["suggestions"]["applied"]["category"] == "GR1"
    dispatcher = client_for(app, "dispatcher")
    fixed = dispatcher.post(f"/api/v1/requests/{case['id']}/actions/reclassify",
                            json={"category": "WY1", "reason": "实为物业不履行供暖维修义务"}).json()
    assert fixed["category"] == "WY1" and fixed["events"][-1]["changes"]["category"] == ["GR1", "WY1"]
    refused = dispatcher.post(f"/api/v1/requests/{case['id']}/actions/reclassify", json={"category": "NOPE",
                                                                                         "reason": "x"})
    assert refused.status_code == 400 and refused.json()["field"] == "category"


def test_the_same_matter_from_someone_else_nearby_is_suggested_for_merging(app, clock):
    api = client_for(app)
    first = api.post("/api/v1/requests", json={"content": "花家地社区北门搅拌站夜里噪音很大，灰尘污染严重",
                                                "division": "WJ02", "category": "ZS1"}).json()
    api.post("/api/v1/requests", json={"content": "公租房申请条件是什么", "division": "WJ02", "category": "ZS1"})
    clock.advance(hours=2)
    second = api.post("/api/v1/requests", json={"content": "投诉花家地北门的搅拌站，晚上噪音扰民，灰尘也大",
                                                 "division": "WJ01", "category": "ZS1",
                                                 "requester_phone": "13900001111"}).json()
    similar = second["suggestions"]["similar"]
    assert [s["id"] for s in similar] == [first["id"]] and similar[0]["score"] >= 0.2
    dispatcher = client_for(app, "dispatcher")
    merged = dispatcher.post(f"/api/v1/requests/{second['id']}/actions/merge",
                             json={"master": first["id"], "reason": "同类件"}).json()
    assert merged["status"] == "merged" and merged["master_id"] == first["id"]


def test_an_active_model_that_no_longer_loads_leaves_intake_to_the_rules(app, tmp_path, caplog):
    """A model of an older format (or a damaged file) after an upgrade: intake keeps working on rules, the log
    says to train again."""
    import json

    from jiesu.nlp.classifier import TextClassifier
    from jiesu.services import models

    TextClassifier.train(["物业不清理垃圾", "物业乱收费", "暖气不热", "供暖不达标"] * 3,
                         ["WY1", "WY1", "GR1", "GR1"] * 3).save(tmp_path / "model")
    models.activate(app, tmp_path / "model", "admin")
    meta = json.loads((tmp_path / "model" / "model.json").read_text(encoding="utf-8"))
    (tmp_path / "model" / "model.json").write_text(json.dumps(meta | {"format": "jiesu-text-classifier/1"}),
                                                   encoding="utf-8")
    models._loaded.clear()
    case = client_for(app).post("/api/v1/requests", json={"content": "小区暖气不热，屋里太冷", "division": "WJ01"})
    assert case.status_code == 201 and case.json()["suggestions"]["source"] == "rules"
    assert "重新训练" in caplog.text


def test_a_citizens_request_is_taken_when_the_active_model_is_torn_or_no_longer_predicts(app, tmp_path, caplog,
                                                                                       monkeypatch):
    """Every channel's request is read by the model now, so a model that fails must not refuse requests: a torn
    model.json, and a model that loads but fails to predict (libraries upgraded under it), leave it to the rules."""
    from jiesu.nlp.classifier import TextClassifier

    TextClassifier.train(["物业不清理垃圾", "物业乱收费", "暖气不热", "供暖不达标"] * 3,
                         ["WY1", "WY1", "GR1", "GR1"] * 3).save(tmp_path / "model")
    models.activate(app, tmp_path / "model", "admin")
    public = TestClient(create_app(app, submit_per_minute=50))
    models._loaded.clear()
    monkeypatch.setattr(TextClassifier, "top", lambda self, text, k=3: 1 / 0)
    sent = public.post("/api/v1/public/requests", json={"content": "小区暖气不热，屋里太冷",
                                                        "requester_phone": "13812345678"})
    assert sent.status_code == 201, sent.text
    assert "无法给出建议" in caplog.text
    monkeypatch.undo()
    (tmp_path / "model" / "model.json").write_text('{"format": "jiesu-te', encoding="utf-8")  # cut off mid-write
    models._loaded.clear()
    sent = public.post("/api/v1/public/requests", json={"content": "物业乱收费", "requester_phone": "13812345678"})
    assert sent.status_code == 201, sent.text
    assert "model.json 无法读取" in caplog.text
