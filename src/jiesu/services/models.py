"""Training, activating and using the text classifier."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy import delete, insert, select

from jiesu.bootstrap import App
from jiesu.domain.errors import InvalidInput
from jiesu.domain.workflow import Status
from jiesu.nlp.classifier import TextClassifier
from jiesu.storage import tables as t

# Cases whose category people have settled: dispatched or further (the final category includes corrections).
SETTLED = [s.value for s in (Status.DISPATCHED, Status.IN_PROGRESS, Status.EXTENSION_PENDING, Status.RESOLVED,
                             Status.AWAITING_FOLLOW_UP, Status.CLOSED, Status.ANSWERED, Status.ARCHIVED)]
_loaded: dict[str, tuple[float, TextClassifier | None]] = {}
log = logging.getLogger(__name__)
_lock = threading.Lock()


def training_data_from_db(app: App, limit: int | None = None) -> tuple[list[str], list[str]]:
    """Title and content of settled cases with their final category; the most recent `limit` if given."""
    r = t.requests
    query = (select(r.c.title, r.c.content, r.c.category).where(r.c.category.is_not(None), r.c.status.in_(SETTLED))
             .order_by(r.c.id.desc()))
    if limit:
        query = query.limit(limit)
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(query).all()
    texts, labels, seen = [], [], set()
    for title, content, category in rows:
        text = f"{title or ''}\n{content}".strip()  # as intake joins them (services/intake.prepare)
        if text not in seen:
            seen.add(text)
            texts.append(text)
            labels.append(category)
    if not texts:
        raise InvalidInput("数据库中没有已确定分类的工单可供训练", field="from_db")
    return texts, labels


def activate(app: App, directory: Path, by: str) -> TextClassifier:
    """Use the model at intake from now on; the audit trail records which model (its data and figures) replaced
    which."""
    from jiesu.services.audit import record

    model = TextClassifier.load(directory)  # refuse to activate what does not load
    path = str(directory.resolve())
    with app.uow() as uow:
        before = uow.connection.execute(select(t.settings_kv.c.value)
                                        .where(t.settings_kv.c.key == "model.active")).scalar()
        uow.connection.execute(delete(t.settings_kv).where(t.settings_kv.c.key == "model.active"))
        uow.connection.execute(insert(t.settings_kv).values(key="model.active", value={"path": path}))
        metrics = model.meta.get("metrics") or {}
        record(uow.connection, app.now(), by, "model.activate", path,
               {"replaces": (before or {}).get("path"), "n": model.meta.get("n"), "classes": len(model.labels),
                "data_sha256": model.meta.get("data_sha256"),
                **{k: metrics[k] for k in ("macro_f1", "accuracy") if k in metrics}})
        uow.commit()
    app.config_cache.invalidate()
    return model


def active_model(app: App, model_path: str | None) -> TextClassifier | None:
    """The activated model (path from the configuration snapshot), loaded once and reloaded when its file changes;
    None if none is active, its files are gone or it no longer loads (a model of an older format after an upgrade:
    intake then suggests from rules, and the log says to train again)."""
    if not model_path:
        return None
    directory = Path(model_path)
    model_file = directory / "model.joblib"
    if not model_file.exists():
        return None
    stamp = model_file.stat().st_mtime
    with _lock:
        cached = _loaded.get(str(directory))
        if cached and cached[0] == stamp:
            return cached[1]
    try:
        model = TextClassifier.load(directory)
    except InvalidInput as refused:
        log.warning("启用的模型 %s 无法加载（%s），受理改用规则建议；请重新训练并启用模型", directory, refused.message)
        model = None
    except Exception:  # unreadable in another way (a pickle of other library versions): intake must go on
        log.exception("启用的模型 %s 无法加载，受理改用规则建议；请重新训练并启用模型", directory)
        model = None
    with _lock:
        _loaded[str(directory)] = (stamp, model)
    return model
