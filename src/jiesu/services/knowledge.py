"""知识库: the answers an agent gives on the phone without dispatching (直接办结 of an inquiry) — how to apply for
public housing, when the heating season starts, where to replace a social-security card. Articles are kept in the
database (table `knowledge_articles`), loaded from a CSV file or written on the `/knowledge` page, every change in
the audit trail; intake looks up the articles closest to what the caller says and shows them beside the form.

The search is cosine similarity over character 1–3-gram TF-IDF of each article's title (counted twice), keywords
and answer, with the articles of the suggested category first among equals. Each server process keeps its own
index and rebuilds it when the table changed (one cheap query at most once a second; in the background when
another process made the change)."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select, update

from jiesu.bootstrap import App
from jiesu.domain.errors import InvalidInput, NotFound
from jiesu.services.audit import record
from jiesu.services.refreshing import Refreshing
from jiesu.storage import tables as t
from jiesu.storage.database import inserted_id

MIN_SCORE = 0.15  # below this an article is not about what the caller said
CATEGORY_BONUS = 0.05  # an article of the suggested category ranks first among near-equals
COLUMNS = {"title": ("标题", "title"), "answer": ("答复", "answer"), "category": ("分类", "category"),
           "keywords": ("关键词", "keywords"), "source": ("来源", "source"), "valid_until": ("有效期至", "valid_until")}


@dataclass(frozen=True)
class Article:
    title: str
    answer: str
    category: str | None = None
    keywords: str = ""
    source: str = ""
    valid_until: date | None = None
    active: bool = True
    id: int | None = None


def checked(app: App, uow, article: Article, where: str = "") -> Article:
    """The article with its fields trimmed, or InvalidInput naming the field (and `where`: the file's line)."""
    title, answer = article.title.strip(), article.answer.strip()
    prefix = f"{where}：" if where else ""
    if not 1 <= len(title) <= 200:
        raise InvalidInput(f"{prefix}标题应为 1–200 字", field="title")
    if not 1 <= len(answer) <= 5000:
        raise InvalidInput(f"{prefix}答复应为 1–5000 字", field="answer")
    category = (article.category or "").strip() or None
    if category is not None and category not in app.config(uow).directory.categories:
        raise InvalidInput(f"{prefix}未知事项分类代码 {category!r}", field="category")
    if len(article.keywords) > 500 or len(article.source) > 200:
        raise InvalidInput(f"{prefix}关键词不超过 500 字、来源不超过 200 字",
                           field="keywords" if len(article.keywords) > 500 else "source")
    return Article(title, answer, category, article.keywords.strip(), article.source.strip(), article.valid_until,
                   article.active, article.id)


def read_csv(path: Path) -> list[tuple[int, Article]]:
    """The articles of a CSV file (UTF-8, headers in Chinese or English, see COLUMNS) with their line numbers."""
    if not path.is_file():
        raise InvalidInput(f"找不到文件 {path}", field="file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            headers = {h.strip(): h for h in reader.fieldnames or []}
            column = {key: next((headers[n] for n in names if n in headers), None) for key, names in COLUMNS.items()}
            if column["title"] is None or column["answer"] is None:
                raise InvalidInput(f"{path.name} 缺少「标题」或「答复」列（现有列：{'、'.join(headers) or '无'}）",
                                   field="columns")
            result = []
            for row in reader:
                line = reader.line_num

                def value(key: str, row=row) -> str:
                    return (row.get(column[key]) or "").strip() if column[key] else ""
                until = value("valid_until")
                try:
                    valid_until = date.fromisoformat(until) if until else None
                except ValueError:
                    raise InvalidInput(f"第 {line} 行：有效期至 {until!r} 应为 YYYY-MM-DD", field="valid_until") from None
                result.append((line, Article(value("title"), value("answer"), value("category") or None,
                                             value("keywords"), value("source"), valid_until)))
            return result
    except UnicodeDecodeError:
        raise InvalidInput(f"{path.name} 不是 UTF-8 编码的 CSV，请另存为 UTF-8 后重试", field="file") from None


def write_csv(articles: list[Article], path: Path) -> Path:
    """The articles as a CSV file `read_csv` and `load` take back (UTF-8 with a byte-order mark, so that Excel
    opens it as Chinese): export, edit, load."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([names[0] for names in COLUMNS.values()])
        for a in articles:
            writer.writerow([a.title, a.answer, a.category or "", a.keywords, a.source,
                             a.valid_until.isoformat() if a.valid_until else ""])
    return path


def load(app: App, actor: str, rows: list[tuple[int, Article]], replace: bool = False) -> dict:
    """Add the articles, updating those of the same title; with `replace`, switch off those not in the file. All
    or nothing: every row is checked before anything is written, and the first bad one is named with its line."""
    with app.uow() as uow:
        c = uow.connection
        articles = [checked(app, uow, article, f"第 {line} 行") for line, article in rows]
        titles = [a.title for a in articles]
        repeated = sorted(title for title, times in Counter(titles).items() if times > 1)
        if repeated:
            raise InvalidInput(f"标题重复：{'、'.join(repeated)}", field="title")
        existing = dict(c.execute(select(t.knowledge_articles.c.title, t.knowledge_articles.c.id)).all())
        new = [_values(a, actor, app) for a in articles if a.title not in existing]
        if new:
            c.execute(insert(t.knowledge_articles), new)  # one statement for all the new articles
        for article in (a for a in articles if a.title in existing):
            c.execute(update(t.knowledge_articles).where(t.knowledge_articles.c.id == existing[article.title])
                      .values(**_values(article, actor, app)))
        added, updated = len(new), len(articles) - len(new)
        retired = 0
        if replace:
            kept = set(titles)
            gone = [i for title, i in existing.items() if title not in kept]
            if gone:
                retired = c.execute(update(t.knowledge_articles).where(t.knowledge_articles.c.id.in_(gone),
                                                                       t.knowledge_articles.c.active.is_(True))
                                    .values(active=False, updated_at=app.now(), updated_by=actor)).rowcount
        summary = {"added": added, "updated": updated, "retired": retired}
        record(c, app.now(), actor, "knowledge.load", f"{len(articles)} 条", summary)
        uow.commit()
    app.knowledge.invalidate()
    return summary


def save(app: App, actor: str, article: Article) -> int:
    """Write one article from the page: a new one (no id) or a change to an existing one. Returns its id."""
    with app.uow() as uow:
        article_id = save_within(app, uow, actor, article)
        uow.commit()
    app.knowledge.invalidate()
    return article_id


def save_within(app: App, uow, actor: str, article: Article) -> int:
    """`save` in the caller's unit of work (which invalidates the index once it has committed)."""
    c = uow.connection
    article = checked(app, uow, article)
    a = t.knowledge_articles
    same_title = c.execute(select(a.c.id).where(a.c.title == article.title)).scalar()
    if same_title is not None and same_title != article.id:
        raise InvalidInput(f"已有标题为「{article.title}」的条目（编号 {same_title}）", field="title")
    if article.id is None:
        article_id = inserted_id(c.execute(insert(a).values(**_values(article, actor, app))))
        record(c, app.now(), actor, "knowledge.add", f"知识条目 {article_id}", {"title": article.title})
    else:
        before = c.execute(select(a).where(a.c.id == article.id)).mappings().first()
        if before is None:
            raise NotFound(f"知识条目 {article.id} 不存在", field="id")
        c.execute(update(a).where(a.c.id == article.id).values(**_values(article, actor, app)))
        article_id = article.id
        changed = {k: [str(before[k]), str(getattr(article, k))] for k in ("title", "answer", "category",
                                                                          "keywords", "source", "valid_until",
                                                                          "active")
                   if str(before[k]) != str(getattr(article, k))}
        record(c, app.now(), actor, "knowledge.change", f"知识条目 {article_id}", changed)
    return article_id


def _values(article: Article, actor: str, app: App) -> dict:
    return {"title": article.title, "answer": article.answer, "category": article.category,
            "keywords": article.keywords, "source": article.source, "valid_until": article.valid_until,
            "active": article.active, "updated_at": app.now(), "updated_by": actor}


def get(app: App, article_id: int) -> Article:
    with app.uow(read_only=True) as uow:
        row = uow.connection.execute(select(t.knowledge_articles).where(t.knowledge_articles.c.id == article_id)
                                     ).mappings().first()
    if row is None:
        raise NotFound(f"知识条目 {article_id} 不存在", field="id")
    return _article(row)


def list_articles(app: App, include_inactive: bool = False) -> list[Article]:
    a = t.knowledge_articles
    query = select(a).order_by(a.c.title)
    if not include_inactive:
        query = query.where(a.c.active.is_(True))
    with app.uow(read_only=True) as uow:
        return [_article(row) for row in uow.connection.execute(query).mappings()]


def _article(row) -> Article:
    return Article(row["title"], row["answer"], row["category"], row["keywords"], row["source"], row["valid_until"],
                   row["active"], row["id"])


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float


@dataclass(frozen=True)
class _Index:
    key: tuple | None  # (number of articles, latest change) when it was built
    articles: list[Article]
    vectoriser: Any = None
    matrix: Any = None  # n-gram × article, CSR: a query reads only its own n-grams' rows
    known: Any = None  # the n-grams some article has


def _valid(until: date | None, today: date) -> bool:
    return until is None or until >= today


def _key(connection) -> tuple:
    """What tells whether the articles changed: how many there are and the latest change."""
    a = t.knowledge_articles
    return tuple(connection.execute(select(func.count(), func.max(a.c.updated_at))).one())


def _build(connection) -> _Index:
    a = t.knowledge_articles
    key = _key(connection)
    articles = [_article(row) for row in connection.execute(select(a).where(a.c.active.is_(True))).mappings()]
    if not articles:
        return _Index(key, [])
    from jiesu.nlp.char_ngrams import HashedCharNgramTfidf
    from jiesu.nlp.classifier import normalise

    documents = [normalise(f"{x.title} {x.title} {x.keywords} {x.answer}") for x in articles]
    vectoriser = HashedCharNgramTfidf(max_n=3, bits=22)  # no vocabulary to sort; 4M columns: long answers
    matrix = vectoriser.fit_transform_chunked(documents).T.tocsr()
    return _Index(key, articles, vectoriser, matrix, np.diff(matrix.indptr) > 0)


class KnowledgeBase:
    """One process's search index over the usable articles (active, not expired), kept by `Refreshing`: a change
    made through this process (`invalidate`) is searched at once; a change made by another process is noticed
    within `recheck_seconds` and indexed in the background while the old index keeps answering (about 4 s for 2,800
    long articles: an agent on the phone does not wait for it)."""

    def __init__(self, app: App, recheck_seconds: float = 1.0) -> None:
        self.app = app
        self._index: Refreshing[_Index] = Refreshing(
            "knowledge-index", lambda _: self._read(_build), refresh_seconds=float("inf"),
            max_age_seconds=float("inf"), placeholder=lambda: _Index(None, []),
            changed=lambda _, index: self._read(_key) != index.key, check_seconds=recheck_seconds)

    @property
    def recheck_seconds(self) -> float:
        return self._index.check_seconds

    @recheck_seconds.setter
    def recheck_seconds(self, seconds: float) -> None:
        self._index.check_seconds = seconds

    def _read(self, what):
        with self.app.uow(read_only=True) as uow:
            return what(uow.connection)

    def start(self) -> None:
        """Build the first index in the background (server start-up): until it is there, intake shows no articles
        instead of waiting for it."""
        self._index.start()

    def invalidate(self) -> None:
        self._index.invalidate()

    def search(self, text: str, today: date, category: str | None = None, k: int = 3) -> list[Hit]:
        """The `k` articles closest to `text` that may be given today, best first."""
        if not text.strip():
            return []
        from jiesu.nlp.classifier import normalise

        index = self._index.get()
        if not index.articles:
            return []
        query = index.vectoriser.transform([normalise(text)])
        # n-grams no article has say nothing about which article fits: left out before the cosine
        query.data[~index.known[query.indices]] = 0
        query.data /= max(float(np.linalg.norm(query.data)), 1e-12)
        scores = (query @ index.matrix).toarray().ravel()
        articles = index.articles
        ranked = sorted(((float(scores[i]) + (CATEGORY_BONUS if category and articles[i].category == category
                                              else 0.0), articles[i])
                         for i in np.flatnonzero(scores >= MIN_SCORE)
                         if _valid(articles[i].valid_until, today)),
                        key=lambda pair: -pair[0])
        return [Hit(x, round(score, 3)) for score, x in ranked[:k]]
