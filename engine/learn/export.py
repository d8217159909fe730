"""The end of a training run: calibrate on the validation pairs and write the model folder the app loads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from engine.learn.calibration import choose_threshold, fit_calibration
from engine.learn.train_types import TrainConfig, TrainState
from engine.model.network import SiameseBranch
from engine.model.weights import LITE0_MEAN, LITE0_STD, Calibration, ModelSpec, model_id_for, save_spec


def export_model(
    branch: SiameseBranch, metrics: dict[str, Any], cfg: TrainConfig, state: TrainState, log: Callable[[str], None]
) -> Path:
    """Write ``<out>/model`` (weights.pt + model.json) for ``branch``, calibrated on the validation pairs in ``metrics``
    (:func:`engine.learn.training.validate`): the sigmoid fit, and the default threshold where those pairs reach
    ``cfg.precision_target`` (the held-out split holds look-alike pictures, so the threshold keeps them apart)."""
    scale, offset = fit_calibration(metrics["_dist"], metrics["_same"])
    cal = Calibration(scale, offset)
    t_dist, t_f1, t_p, t_r = choose_threshold(metrics["_dist"], metrics["_same"], cfg.precision_target)
    threshold = round(cal.score(t_dist), 4)
    folder = Path(cfg.out) / "model"
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / "weights.pt"
    sd = {k: v.detach().cpu().contiguous().clone() for k, v in branch.state_dict().items()}
    torch.save(sd, weights)
    training = {k: v for k, v in asdict(cfg).items() if k not in ("data", "out", "cache_dir", "device")}
    info = {
        "val_ap": metrics["ap"],
        "val_best_f1": metrics["f1"],
        "val_precision": metrics["precision"],
        "val_recall": metrics["recall"],
        "val_best_distance": metrics["distance"],
        "val_ap_copies": metrics.get("ap_copies"),
        "val_halves_fp": metrics.get("halves_fp"),
        "precision_target": cfg.precision_target,
        "threshold_distance": t_dist,
        "threshold_f1": t_f1,
        "threshold_precision": t_p,
        "threshold_recall": t_r,
        "epochs_done": len(state.history),
        "train_minutes": state.elapsed / 60,
        "history": state.history,
    }
    spec = ModelSpec(
        model_id=model_id_for(f"doppel-lite0-{cfg.loss}", weights),
        weights=weights.name,
        embedding_dim=cfg.embedding_dim,
        hidden=cfg.hidden,
        input_size=cfg.input_size,
        input_mode=cfg.input_mode,
        mean=LITE0_MEAN,  # as the training normalised its views (engine.learn.training.prepare)
        std=LITE0_STD,
        calibration=cal,
        threshold=threshold,
        extra={"training": training, "validation": info},
    )
    save_spec(spec, folder)
    log(
        f"exported {folder}: id {spec.model_id}, calibration scale {scale:.3f} offset {offset:.4f}, "
        f"threshold {threshold} (val: distance {t_dist:.4f}, P {t_p:.4f} R {t_r:.4f} F1 {t_f1:.4f}), "
        f"val AP {metrics['ap']:.4f}"
    )
    return folder
