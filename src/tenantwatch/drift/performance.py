"""Model quality on each file when it carries the label (--target) and the model's output
(--prediction): classification (accuracy, precision, recall, F1; ROC AUC when the prediction
is a score) or regression (MAE, RMSE, MAPE). Rows missing either value are left out.

The task is classification when the target is categorical (text, booleans, or integers with
at most 10 distinct values); a numeric prediction between 0 and 1 against a two-class target
is a score for the larger class, predicted at 0.5 and above."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.stats import rankdata

from tenantwatch.drift.columns import as_text, infer_kind, is_numeric_type, plain

SCORE_CUT = 0.5


def task_of(reference_target: pa.ChunkedArray) -> str:
    return "regression" if infer_kind(reference_target) == "numeric" else "classification"


def _present(table: pa.Table, target: str, prediction: str) -> pa.Table:
    pair = table.select([target, prediction])
    return pair.filter(pc.and_(pc.is_valid(pair[target]), pc.is_valid(pair[prediction])))


def _labels(column: pa.ChunkedArray) -> np.ndarray:
    column = plain(column)
    if pa.types.is_floating(column.type):
        column = pc.cast(column, pa.int64(), safe=False)  # 1.0 and 1 are one class
    return np.asarray(as_text(column).to_numpy(zero_copy_only=False))


def regression(table: pa.Table, target: str, prediction: str) -> dict:
    pair = _present(table, target, prediction)
    y = pc.cast(pair[target], pa.float64()).to_numpy(zero_copy_only=False)
    p = pc.cast(pair[prediction], pa.float64()).to_numpy(zero_copy_only=False)
    error = p - y
    nonzero = y != 0
    mape = float(np.mean(np.abs(error[nonzero] / y[nonzero])) * 100) if nonzero.any() else None
    return {"rows": int(y.size), "mae": float(np.mean(np.abs(error))), "rmse": float(np.sqrt(np.mean(error**2))),
            "mape": mape}


def classification(table: pa.Table, target: str, prediction: str, classes: list[str]) -> dict:
    pair = _present(table, target, prediction)
    truth = _labels(pair[target])
    scores = None
    column = plain(pair[prediction])
    if is_numeric_type(column.type) and len(classes) == 2:
        values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        if values.size and values.min() >= 0 and values.max() <= 1 and not np.all(values == np.round(values)):
            scores = values
    predicted = np.where(scores >= SCORE_CUT, classes[1], classes[0]) if scores is not None else _labels(column)
    result = {"rows": int(truth.size), "accuracy": float(np.mean(truth == predicted)) if truth.size else None}
    result.update(_precision_recall_f1(truth, predicted, classes))
    result["roc_auc"] = _roc_auc(truth == classes[1], scores) if scores is not None else None
    return result


def _precision_recall_f1(truth: np.ndarray, predicted: np.ndarray, classes: list[str]) -> dict:
    """For the positive (larger) class with two classes, else the unweighted mean over classes."""
    chosen = classes[1:] if len(classes) == 2 else classes
    precision, recall, f1 = [], [], []
    for label in chosen:
        hits = np.sum((predicted == label) & (truth == label))
        p = hits / max(np.sum(predicted == label), 1)
        r = hits / max(np.sum(truth == label), 1)
        precision.append(p)
        recall.append(r)
        f1.append(2 * p * r / (p + r) if p + r else 0.0)
    return {"precision": float(np.mean(precision)), "recall": float(np.mean(recall)), "f1": float(np.mean(f1))}


def _roc_auc(positive: np.ndarray, scores: np.ndarray) -> float | None:
    """The Mann-Whitney form: the chance that a positive row scores above a negative one."""
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        return None
    ranks = rankdata(scores)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def evaluate(reference: pa.Table, current: pa.Table, target: str, prediction: str) -> dict:
    task = task_of(reference[target])
    if task == "regression":
        ref, cur = regression(reference, target, prediction), regression(current, target, prediction)
    else:
        classes = sorted(set(_labels(reference[target].drop_null()).tolist()) | set(_labels(current[target].drop_null()).tolist()))
        ref, cur = (classification(t, target, prediction, classes) for t in (reference, current))
    return {"task": task, "target": target, "prediction": prediction, "reference": ref, "current": cur}
