"""知识库 search on real answers: the official replies of ../shared/data/tipdm2020c/messages_with_replies_2816.csv
become articles (title = the message's subject, answer = the reply; one per distinct subject); each message's body
(留言详情, what the citizen wrote, without its subject) is then the question.

1. Ranking: is the reply written for that message first, or among the three an agent is shown? Beside it the
   classic peer, word TF-IDF over jieba's segmentation (cosine), both without a score threshold.
2. The threshold (`knowledge.MIN_SCORE`): intake shows an article only above it. Articles from every other message
   are indexed; the questions whose own answer is indexed say how often it is still shown (recall), the others how
   often something is shown although the right answer is not in the 知识库 (a wrong or at best related answer).
3. Time: loading the articles, building a process's index, one search as intake does it, at 1× and 10× the size.

    python bench/knowledge.py
"""

from __future__ import annotations

import csv
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from realdata import SHARED, require

REPLIES = SHARED / "tipdm2020c" / "messages_with_replies_2816.csv"


def read() -> tuple[list, list[str]]:
    from jiesu.services.knowledge import Article

    articles, questions, titles = [], [], set()
    with require(REPLIES).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            title, answer, body = row["留言主题"].strip()[:200], row["答复意见"].strip()[:5000], row["留言详情"].strip()
            if not title or not answer or not body or title in titles:
                continue  # a repost of the same subject: one article
            titles.add(title)
            articles.append(Article(title, answer))
            questions.append(body)
    return articles, questions


def app_with(articles, folder: Path):
    from jiesu.bootstrap import App
    from jiesu.demo.city import write_config
    from jiesu.services.config_loader import load_config
    from jiesu.services.knowledge import load
    from jiesu.settings import Settings
    from jiesu.storage.migrate import upgrade

    app = App(Settings(database_url=f"sqlite:///{folder / 'kb.db'}", secret_key="bench"))
    upgrade(app.engine)
    load_config(app, write_config(folder / "config"), loaded_by="bench")
    began = time.perf_counter()
    load(app, "bench", [(i + 2, a) for i, a in enumerate(articles)])
    return app, time.perf_counter() - began


def ranks(app, questions, articles, today) -> list[int | None]:
    found = [[h.article.title for h in app.knowledge.search(q, today, k=3)] for q in questions]
    return [titles.index(a.title) + 1 if a.title in titles else None for titles, a in zip(found, articles, strict=True)]


def timed_searches(app, questions, today) -> tuple[float, list[float]]:
    began = time.perf_counter()
    app.knowledge.search(questions[0], today)  # builds the index
    build = time.perf_counter() - began
    latencies = []
    for question in questions:
        began = time.perf_counter()
        app.knowledge.search(question, today, k=3)
        latencies.append((time.perf_counter() - began) * 1000)
    return build, sorted(latencies)


def main() -> None:
    import numpy as np

    from jiesu.services import knowledge

    articles, questions = read()
    today = date(2026, 11, 30)
    print(f"{len(articles):,} articles (distinct subjects), each asked by its own message body")
    threshold = knowledge.MIN_SCORE
    with tempfile.TemporaryDirectory() as scratch:
        app, load_seconds = app_with(articles, Path(scratch))
        build, latencies = timed_searches(app, questions, today)
        knowledge.MIN_SCORE = 0.0
        found = ranks(app, questions, articles, today)
        knowledge.MIN_SCORE = threshold
        print(f"1. jiesu (character 1–3-gram TF-IDF, title ×2 + keywords + answer): top-1 "
              f"{sum(r == 1 for r in found) / len(found):.3f}, top-3 {sum(r is not None for r in found) / len(found):.3f}")

    import jieba
    from sklearn.feature_extraction.text import TfidfVectorizer

    jieba.setLogLevel(60)
    began = time.perf_counter()
    vectoriser = TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None, lowercase=False)
    matrix = vectoriser.fit_transform([f"{a.title} {a.title} {a.answer}" for a in articles])
    fit = time.perf_counter() - began
    began = time.perf_counter()
    scores = (vectoriser.transform(questions) @ matrix.T).toarray()
    per = (time.perf_counter() - began) / len(questions) * 1000
    order = np.argsort(-scores, axis=1)[:, :3]
    expected = np.arange(len(articles))
    print(f"   peer (jieba word TF-IDF, cosine): top-1 {float((order[:, 0] == expected).mean()):.3f}, top-3 "
          f"{float((order == expected[:, None]).any(axis=1).mean()):.3f} (fit {fit:.1f} s, {per:.2f} ms a question "
          f"in batch)")

    indexed, absent = slice(0, None, 2), slice(1, None, 2)
    with tempfile.TemporaryDirectory() as scratch:
        app, _ = app_with(articles[indexed], Path(scratch))
        for shown_at in sorted({0.1, 0.12, threshold, 0.2}):
            knowledge.MIN_SCORE = shown_at
            kept = ranks(app, questions[indexed], articles[indexed], today)
            wrong = sum(bool(app.knowledge.search(q, today)) for q in questions[absent])
            mark = "  ← intake's setting" if shown_at == threshold else ""
            print(f"2. shown at cosine >= {shown_at:.2f}: right answer among the three shown "
                  f"{sum(r is not None for r in kept) / len(kept):.3f}; something shown when the right answer is "
                  f"not in the 知识库 {wrong / len(questions[absent]):.3f}{mark}")
        knowledge.MIN_SCORE = threshold

    print(f"3. {len(articles):,} articles: load {load_seconds:.1f} s, index {build:.2f} s, search p50 "
          f"{statistics.median(latencies):.2f} ms, p99 {latencies[int(len(latencies) * 0.99) - 1]:.2f} ms")
    tenfold = [type(a)(f"{a.title}（{n}）", a.answer) for n in range(10) for a in articles]
    with tempfile.TemporaryDirectory() as scratch:
        app, load_seconds = app_with(tenfold, Path(scratch))
        build, latencies = timed_searches(app, questions[:300], today)
    print(f"   {len(tenfold):,} articles: load {load_seconds:.1f} s, index {build:.2f} s, search p50 "
          f"{statistics.median(latencies):.2f} ms, p99 {latencies[int(len(latencies) * 0.99) - 1]:.2f} ms")


if __name__ == "__main__":
    sys.exit(main())
