#!/usr/bin/env python3
"""Writes fixtures/sklearn_ranking.json: score sets with scikit-learn's ranking metrics.

Run it through the project venv (ci/setup-python.sh creates it):
    ci/setup-python.sh && .venv/bin/python ci/sklearn_golden.py

Per case the fixture holds the inputs (labels 0/1, scores) and
  roc_auc_score, average_precision_score, auc(recall, precision) (= pr_auc_trapezoid),
  roc_curve(drop_intermediate=False)  -> roc_fpr, roc_tpr, roc_thresholds
  precision_recall_curve()            -> pr_precision, pr_recall, pr_thresholds
JSON has no infinity, so roc_thresholds omits roc_curve's first threshold, which is always +inf
(the (0, 0) point); the Rust test checks that first threshold separately.
drop_intermediate=False keeps one ROC point per distinct score, so the whole curve is comparable
with aerepro's, which never drops points (dropping collinear points does not change the AUC).
Scores are written with Python's shortest round-trip repr and mostly have few digits, so ties
survive the trip through JSON exactly.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.metrics import (
    auc,
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

OUTPUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "sklearn_ranking.json")


def literal_cases():
    """Small cases quoted from scikit-learn's documentation and tests."""
    return [
        ("sklearn_doc_roc_auc", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
        ("sklearn_tie_pair", [1, 0], [0.5, 0.5]),
        ("sklearn_toy_perfect", [0, 1], [0.0, 1.0]),
        ("sklearn_toy_reversed", [0, 1], [1.0, 0.0]),
        ("sklearn_toy_tied_ones", [1, 0], [1.0, 1.0]),
        ("sklearn_toy_correct", [1, 0], [1.0, 0.0]),
        ("sklearn_ap_tied_values", [0, 1, 1], [0.5, 0.5, 0.6]),
        ("sklearn_ranked_ramp", [0, 0, 0, 0, 1, 1], [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]),
        ("sklearn_ap_tie_docs", [1, 1, 0, 0, 1], [0.8, 0.8, 0.8, 0.2, 0.1]),
        ("signed_zero_tie", [0, 1, 0, 1], [-0.0, 0.0, 1.0, -1.0]),
    ]


def random_cases(rng):
    cases = []

    def add(name, labels, scores):
        labels = np.asarray(labels, dtype=int)
        if labels.min() == labels.max():  # both classes are required
            labels[0] = 1 - labels[0]
        cases.append((name, labels.tolist(), [float(s) for s in scores]))

    # Tiny sets with heavy ties (scores from a handful of values).
    for i in range(20):
        n = int(rng.integers(2, 12))
        add(f"tiny_ties_{i}", rng.integers(0, 2, n), rng.integers(0, 3, n) / 2)
    # Tiny continuous sets.
    for i in range(8):
        n = int(rng.integers(2, 12))
        add(f"tiny_continuous_{i}", rng.integers(0, 2, n), np.round(rng.normal(size=n), 4))
    # Medium sets: shifted positives, ties from rounding.
    for i, (n, decimals) in enumerate([(50, 1), (100, 2), (200, 1), (300, 3), (500, 2)]):
        labels = rng.random(n) < 0.3
        add(f"medium_rounded_{i}", labels, np.round(rng.normal(size=n) + labels, decimals))
    # Imbalanced: few anomalies.
    for i, (n, rate) in enumerate([(200, 0.02), (1000, 0.01), (400, 0.05), (100, 0.95)]):
        labels = rng.random(n) < rate
        add(f"imbalanced_{i}", labels, np.round(rng.normal(size=n) + 1.5 * labels, 2))
    # Large n with heavy ties (integer scores), and one large continuous set.
    for i, (n, levels) in enumerate([(2000, 5), (4000, 20), (3000, 2)]):
        labels = rng.random(n) < 0.4
        add(f"large_ties_{i}", labels, rng.integers(0, levels, n) + labels * rng.integers(0, 2, n))
    labels = rng.random(2500) < 0.2
    add("large_continuous", labels, np.round(rng.normal(size=2500) + 0.8 * labels, 3))
    # Score ranges: negative, huge magnitudes, tiny magnitudes, all tied, worse than random.
    add("negative_scores", rng.integers(0, 2, 60), -np.round(rng.random(60) * 100, 1))
    add("huge_magnitudes", rng.integers(0, 2, 40), rng.choice([-1e300, -1e10, 0.0, 1e10, 1e300], 40))
    add("tiny_magnitudes", rng.integers(0, 2, 40), rng.choice([1e-300, 2e-300, 5e-324, 0.0], 40))
    add("all_tied", rng.integers(0, 2, 30), np.full(30, 0.25))
    labels = rng.random(80) < 0.5
    add("inverted", labels, np.round(rng.normal(size=80) - 2 * labels, 2))
    labels = rng.random(80) < 0.5
    add("perfect_separation", labels, np.round(rng.random(80) + 2 * labels, 3))
    return cases


def describe(name, labels, scores):
    y = np.asarray(labels)
    s = np.asarray(scores, dtype=np.float64)
    fpr, tpr, roc_thresholds = roc_curve(y, s, drop_intermediate=False)
    assert np.isinf(roc_thresholds[0]) and roc_thresholds[0] > 0
    precision, recall, pr_thresholds = precision_recall_curve(y, s)
    return {
        "name": name,
        "labels": [int(v) for v in y],
        "scores": [float(v) for v in s],
        "roc_auc": float(roc_auc_score(y, s)),
        "average_precision": float(average_precision_score(y, s)),
        "pr_auc_trapezoid": float(auc(recall, precision)),
        "roc_fpr": fpr.tolist(),
        "roc_tpr": tpr.tolist(),
        "roc_thresholds": roc_thresholds[1:].tolist(),
        "pr_precision": precision.tolist(),
        "pr_recall": recall.tolist(),
        "pr_thresholds": pr_thresholds.tolist(),
    }


def main():
    rng = np.random.default_rng(20240603)
    cases = [describe(*case) for case in literal_cases() + random_cases(rng)]
    fixture = {
        "generator": "ci/sklearn_golden.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": sys.version.split()[0],
        "roc_curve_call": "roc_curve(y, s, drop_intermediate=False); roc_thresholds omits the leading +inf",
        "cases": cases,
    }
    text = json.dumps(fixture, allow_nan=False, separators=(",", ":"))
    with open(OUTPUT, "w") as out:
        out.write(text + "\n")
    print(f"wrote {len(cases)} cases ({len(text) / 1e6:.2f} MB) to {os.path.normpath(OUTPUT)}")


if __name__ == "__main__":
    main()
