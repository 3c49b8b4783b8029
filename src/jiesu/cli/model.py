"""jiesu model: train, evaluate and activate the text classifier."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from jiesu.cli.common import console, ready_app, reports_errors

app = typer.Typer(help="文本分类模型：训练、评估、启用。", no_args_is_help=True)


@app.command()
@reports_errors
def train(data: Path = typer.Argument(None, help="带标签的 CSV（或用 --from-db）"),
          text_col: list[str] = typer.Option(["text"], "--text-col", help="文本列，可多次（如标题和内容）"),
          label_col: str = typer.Option("label", "--label-col", help="标签列"),
          out: Path = typer.Option(..., "--out", help="模型目录"),
          from_db: bool = typer.Option(False, "--from-db", help="用数据库中已确定分类的工单训练（含人工改类）"),
          limit: int = typer.Option(None, "--limit", help="--from-db 时只用最近的 N 件"),
          activate: bool = typer.Option(False, "--activate", help="训练后在受理时启用"),
          by: str = typer.Option("admin", "--by", help="启用人（记入审计日志）"),
          dedupe: bool = typer.Option(True, "--dedupe/--keep-duplicates", help="按文本去重")) -> None:
    """Train a classifier from a labelled CSV or from the database's cases; writes a versioned model directory."""
    from jiesu.nlp.classifier import TextClassifier
    from jiesu.nlp.dataset import read_labelled
    from jiesu.services import models
    from jiesu.settings import Settings

    jiesu = ready_app() if (from_db or activate) else None  # before training: a database that fails, fails first
    if jiesu is not None and from_db:
        texts, labels = models.training_data_from_db(jiesu, limit)
        source = "database"
    else:
        if data is None:
            from jiesu.domain.errors import InvalidInput

            raise InvalidInput("请给出 CSV 文件，或使用 --from-db", field="data")
        texts, labels = read_labelled(data, text_col, label_col, dedupe)
        source = str(data)
    with console.status(f"训练中：{len(texts)} 条，{len(set(labels))} 类……"):
        model = TextClassifier.train(texts, labels, source=source, auto_at=Settings().auto_classify_confidence)
        model.save(out)
    console.print(f"模型已写入 {out}：{model.meta['n']} 条，{len(model.labels)} 类，训练 {model.meta['train_seconds']} 秒")
    m = model.meta["metrics"]
    if m:
        console.print(f"留出 {m['held_out']:.0%}（{m['n']} 条）检验：准确率 {m['accuracy']:.1%}，宏 F1 {m['macro_f1']:.3f}，"
                      f"前三建议含正确类 {m['top3_accuracy']:.1%}；置信度 ≥ {m['auto_at']} 自动分类 {m['auto_share']:.0%}，"
                      f"其中正确 {m['auto_accuracy'] or 0:.1%}")
    else:
        console.print("数据太少（留出部分每类不足 5 条），未做留出检验；可用 jiesu model eval 另行评估")
    if jiesu is not None and activate:
        models.activate(jiesu, out, by)
        console.print("已启用：受理时的分类建议将使用此模型")


@app.command("eval")
@reports_errors
def evaluate(model_dir: Path = typer.Argument(..., help="模型目录"),
             data: Path = typer.Argument(..., help="带标签的 CSV"),
             text_col: list[str] = typer.Option(["text"], "--text-col"),
             label_col: str = typer.Option("label", "--label-col"),
             dedupe: bool = typer.Option(True, "--dedupe/--keep-duplicates")) -> None:
    """Evaluate a model on a labelled CSV: a per-class table, then one JSON line (n, accuracy, macro_f1, texts_per_s,
    top3_accuracy, calibration_error, and auto_share / auto_accuracy at JIESU_AUTO_CLASSIFY_CONFIDENCE)."""
    from jiesu.nlp.classifier import TextClassifier
    from jiesu.nlp.classifier import evaluate as run
    from jiesu.nlp.dataset import read_labelled
    from jiesu.settings import Settings

    model = TextClassifier.load(model_dir)
    texts, labels = read_labelled(data, text_col, label_col, dedupe)
    result = run(model, texts, labels, auto_at=Settings().auto_classify_confidence)
    table = Table("类别", "精确率", "召回率", "F1", "样本数")
    for row in result["per_class"]:
        table.add_row(row["label"], f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}",
                      str(row["support"]))
    console.print(table)
    print(json.dumps({k: v for k, v in result.items() if k != "per_class"}, ensure_ascii=False))


@app.command()
@reports_errors
def activate(model_dir: Path = typer.Argument(..., help="模型目录"),
             by: str = typer.Option("admin", "--by", help="启用人（记入审计日志）")) -> None:
    """Use MODEL_DIR for the category suggestions at intake."""
    from jiesu.services import models

    model = models.activate(ready_app(), model_dir, by)
    console.print(f"已启用 {model_dir}（{len(model.labels)} 类，训练数据 {model.meta['n']} 条）")
