"""The guard set: fixed photos fine-tuning never trains on, where a new version must do no worse than the bundled one.

``resources/guard/`` (made by ``packaging/make_guard.py``, shipped with the app) holds 30 photos with 2 copies
each (ordinary and hard edits), 22 other photos and 8 photos cut into two halves. Most of them are clothes on the
same beds, floors and doors, so nearly every pair of different photos looks alike. Two numbers matter, each at a
model's own threshold: **false pairs** (two different photos scoring at or above it) and **copies found** (pairs
of one picture scoring at or above it); AP is reported beside them.

Rules (see the README, "Teaching Doppel your idea of a duplicate"):

* **Check** (:func:`verdict`): a candidate passes only if it makes no more false pairs than the bundled model
  does at the bundled threshold, and finds at least as many copies. Equal passes: this is "no loss", not "better".
* **Threshold** (:func:`fit_threshold`): a candidate's threshold is put where it reaches the bundled model's
  precision target on the guard pairs (``validation.precision_target`` of the bundled model.json, else 0.995):
  the loosest cut whose precision reaches the target and which makes no more false pairs than the bundled model
  (the second condition alone when the bundled model itself falls short of the target there), halfway to the next
  pair. With 90 copy pairs, a target of 0.99 or more allows no false pair the bundled model does not make.
  A threshold picked this way cannot fail the check on false pairs; a candidate that pulls look-alikes together
  fails it on the copies it must give up to keep them apart. The candidate's calibration then puts the bundled
  threshold's score at that distance (:func:`calibration_at`), with the bundled model's slope: a fine-tuned
  version's threshold is the same number as the bundled one and means the same.
* **Sure level** (:func:`sure_for`): auto-mark's level sits at the same fraction of the threshold's distance as
  the bundled model's does.

Copies made by a kind of edit the user's labels reject (say, grayscale: engine.learn.finetune_data.find_rejected)
are left out of both models' numbers: a model taught that they are not duplicates must not be blamed for it.

Numbers here are numpy only; :func:`embed_guard` embeds the set with a model through the engine's
:class:`~engine.model.inference.Embedder` (OpenVINO or torch, as a scan would).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.learn.calibration import average_precision
from engine.model.weights import Calibration, ModelError, ModelSpec
from engine.paths import resources_dir

DEFAULT_PRECISION_TARGET = 0.995  # when the bundled model.json records none (the v1 model)
HALF = "half"  # manifest transform of a half of a photo

# Kinds of copy fine-tuning can learn to reject (engine.learn.augment.FAMILIES) -> the guard set's edits of that kind
KIND_EDITS: dict[str, tuple[str, ...]] = {
    "rotate90": ("rotate",),
    "grayscale": ("grayscale",),
    "crop": ("crop", "crop_hard"),
    "downscale": ("downscale",),
    "aspect": ("squash",),
    "phone_crop": ("phone_crop",),
    "watermark": ("watermark",),
    "mirror": ("hflip",),
    "small_rotation": ("small_rotation", "tilt"),
    "colour": ("color",),
    "gamma": ("gamma",),
    "blur": ("blur",),
    "letterbox": ("letterbox", "letterbox_wide"),
    "text": ("caption",),
    "screenshot": ("screenshot",),
}


def guard_dir() -> Path:
    return resources_dir() / "guard"


# ================================================================================================ the set
@dataclass(frozen=True)
class GuardPairs:
    """Pairs of guard photos (rows ``i`` < ``j`` of the set) and whether each is one picture."""

    i: np.ndarray
    j: np.ndarray
    same: np.ndarray
    half: np.ndarray  # the two halves of one photo (a false pair of the hardest kind)

    def distances(self, emb: np.ndarray) -> np.ndarray:
        d: np.ndarray = np.linalg.norm(emb[self.i] - emb[self.j], axis=1)
        return d


@dataclass(frozen=True)
class GuardSet:
    paths: tuple[str, ...]
    group: np.ndarray  # per file: its picture
    edits: tuple[frozenset[str], ...]  # per file: the edits that made it (empty for photos as taken)
    half_of: tuple[str, ...]  # per file: the photo it is a half of, or ""

    def pairs(self, rejected: Collection[str] = ()) -> GuardPairs:
        """Every pair, less the copies made by a rejected kind of edit (``rejected``: augmentation family names)."""
        barred = {e for kind in rejected for e in KIND_EDITS.get(kind, ())}
        n = len(self.paths)
        i, j = np.triu_indices(n, 1)
        same = self.group[i] == self.group[j]
        out = np.array([bool(self.edits[a] & barred) or bool(self.edits[b] & barred) for a, b in zip(i, j)])
        keep = ~(same & out) if len(out) else np.ones(0, dtype=bool)
        halves = np.array([self.half_of[a] != "" and self.half_of[a] == self.half_of[b] for a, b in zip(i, j)])
        return GuardPairs(i[keep], j[keep], same[keep], halves[keep] if len(halves) else halves)


def load_guard(folder: Path | None = None) -> GuardSet:
    """The guard set in ``folder`` (default: the one the app ships); ModelError when it is missing or broken."""
    folder = Path(folder) if folder else guard_dir()
    try:
        groups = json.loads((folder / "groups.json").read_text(encoding="utf-8"))
        with open(folder / "manifest.csv", newline="", encoding="utf-8") as f:
            rows = {r["path"]: r for r in csv.DictReader(f)}
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"the guard set in {folder} cannot be read: {exc}") from None
    paths, group, edits, half_of = [], [], [], []
    for g, (_name, members) in enumerate(sorted(groups.items())):
        for rel in sorted(members):
            row = rows.get(rel, {})
            transform = row.get("transform", "")
            paths.append(str(folder / rel))
            group.append(g)
            plain = transform in ("original", "distractor", HALF, "")
            edits.append(frozenset() if plain else frozenset(transform.split("+")))
            half_of.append(json.loads(row.get("params") or "{}").get("photo", "") if transform == HALF else "")
    if not paths:
        raise ModelError(f"the guard set in {folder} is empty")
    return GuardSet(tuple(paths), np.array(group), tuple(edits), tuple(half_of))


# ================================================================================================ numbers
@dataclass(frozen=True)
class GuardScores:
    """One model on the guard pairs at one threshold."""

    threshold: float
    false_pairs: int  # different photos scoring >= threshold
    halves_joined: int  # of those, two halves of one photo
    copies_found: int  # pairs of one picture scoring >= threshold
    copy_pairs: int
    ap: float  # average precision of "one picture" ranked by distance
    model_id: str = ""

    @property
    def recall(self) -> float:
        return self.copies_found / self.copy_pairs if self.copy_pairs else float("nan")

    @property
    def precision(self) -> float:
        found = self.copies_found + self.false_pairs
        return self.copies_found / found if found else 1.0

    def line(self) -> str:
        return (
            f"threshold {self.threshold:.4f}: {self.false_pairs} false pairs ({self.halves_joined} of halves), "
            f"{self.copies_found}/{self.copy_pairs} copy pairs found (recall {self.recall:.3f}), AP {self.ap:.4f}"
        )


def measure(dist: np.ndarray, pairs: GuardPairs, cal: Calibration, threshold: float, model_id: str = "") -> GuardScores:
    """The guard numbers of a model whose distances on ``pairs`` are ``dist``, at ``threshold`` (a score)."""
    hit = dist <= cal.distance_for(threshold)
    return GuardScores(
        threshold=float(threshold),
        false_pairs=int((hit & ~pairs.same).sum()),
        halves_joined=int((hit & pairs.half).sum()),
        copies_found=int((hit & pairs.same).sum()),
        copy_pairs=int(pairs.same.sum()),
        ap=average_precision(dist, pairs.same) if pairs.same.any() else float("nan"),
        model_id=model_id,
    )


def precision_target(bundled: ModelSpec) -> float:
    """The precision the bundled model's threshold was chosen for, as its model.json records it."""
    target = bundled.extra.get("validation", {}).get("precision_target")
    ok = isinstance(target, int | float) and not isinstance(target, bool) and 0 < target <= 1
    return float(target) if ok else DEFAULT_PRECISION_TARGET


def _ranked(dist: np.ndarray, same: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs by distance, and the copies found and false pairs made by each cut (the first k pairs, k >= 1)."""
    order = np.argsort(dist, kind="stable")
    hits = same[order]
    return dist[order], np.cumsum(hits), np.cumsum(~hits)


def fit_threshold(dist: np.ndarray, same: np.ndarray, reference: GuardScores, target: float) -> float:
    """A candidate's threshold, as a distance: the rule in the module docstring.

    The cut finding the most copies among those that make no more false pairs than ``reference`` and reach
    ``target`` precision (the second condition dropped when the reference itself does not reach it); the
    threshold lies halfway between that cut's last pair and the next one, so neither sits on the boundary.
    """
    d, tp, fp = _ranked(dist, same)
    if not len(d):
        return 0.0
    ok = fp <= reference.false_pairs
    if reference.precision >= target:
        ok &= tp / np.arange(1, len(d) + 1) >= target
    if ok.any() and tp[ok].max() > 0:
        k = int(np.flatnonzero(ok)[np.argmax(tp[ok])])  # the first cut reaching the most copies: it ends on one
        lo, hi = d[k], d[k + 1] if k + 1 < len(d) else d[k] + 0.05
    else:  # no copy can be found at all within the rule: just below the closest pair
        lo, hi = 0.0, d[0]
    return float((lo + hi) / 2)


def calibration_at(bundled: Calibration, distance: float, threshold: float) -> Calibration:
    """The bundled calibration's slope, shifted so that ``threshold`` (the bundled threshold's score) falls at
    ``distance``. A sigmoid refitted on a few separable pairs is so steep that thresholds read 0.9999 or round to
    1; this one keeps scores readable and the slider's default where the bundled model has it."""
    logit = math.log(threshold / (1 - threshold))
    scale = bundled.scale
    offset = distance + logit / scale
    if not 0.0 <= offset <= 2.0:  # model.json allows offsets from 0 to 2 (the distances of unit vectors)
        offset = min(max(offset, 0.0), 2.0)  # on the side of ``distance`` that logit's sign asks for
        scale = logit / (offset - distance) if abs(offset - distance) > 1e-6 else scale
    return Calibration(scale, offset)


def joined_for_recall(dist: np.ndarray, same: np.ndarray, copies: int) -> int:
    """False pairs at the strictest cut that finds ``copies`` copy pairs (all pairs when it never does)."""
    _, tp, fp = _ranked(dist, same)
    reach = np.flatnonzero(tp >= copies)
    return int(fp[reach[0]]) if len(reach) else int((~same).sum())


def sure_for(bundled: ModelSpec, cal: Calibration, threshold: float) -> float:
    """Auto-mark's sure level for a candidate: the bundled model's sure distance is a fraction of its threshold
    distance (0.89 of it for the v1 model); the candidate's sure level is the score at the same fraction of its
    own threshold distance."""
    from engine.settings import sure_threshold_for

    b_cal = bundled.calibration
    b_sure = sure_threshold_for(bundled.threshold, bundled.sure_threshold)
    b_thr_d, b_sure_d = b_cal.distance_for(bundled.threshold), b_cal.distance_for(b_sure)
    ratio = b_sure_d / b_thr_d if b_thr_d > 0 and math.isfinite(b_sure_d) else 0.5
    ratio = min(max(ratio, 0.0), 1.0)
    sure = cal.score(ratio * cal.distance_for(threshold))
    return float(min(max(sure, threshold), 1.0))


# ================================================================================================ the check
@dataclass(frozen=True)
class GuardVerdict:
    """The candidate against the bundled model on the guard set, each at its own threshold."""

    reference: GuardScores
    candidate: GuardScores
    joined_at_reference_recall: int  # false pairs the candidate makes where it finds as many copies as the reference

    @property
    def passed(self) -> bool:
        ref, cand = self.reference, self.candidate
        return cand.false_pairs <= ref.false_pairs and cand.copies_found >= ref.copies_found

    def reason(self, reference_name: str = "the bundled model") -> str:
        """Why it failed, in plain words ("" when it passed)."""
        ref, cand = self.reference, self.candidate
        if self.passed:
            return ""
        extra = max(cand.false_pairs, self.joined_at_reference_recall) - ref.false_pairs
        if extra > 0:
            pairs = f"{extra} pair{'s' * (extra != 1)}"
            what = f"it joins {pairs} of different photos that look alike, which {reference_name} keeps apart"
            if cand.false_pairs <= ref.false_pairs:
                what += (
                    f" (keeping them apart, it finds only {cand.copies_found} of the {cand.copy_pairs} copies among "
                    f"Doppel's guard photos; {reference_name} finds {ref.copies_found})"
                )
            return what
        return (
            f"it finds only {cand.copies_found} of the {cand.copy_pairs} copies among Doppel's guard photos, "
            f"where {reference_name} finds {ref.copies_found}"
        )


def verdict(dist: np.ndarray, pairs: GuardPairs, reference: GuardScores, candidate: GuardScores) -> GuardVerdict:
    """``dist``: the candidate's distances on ``pairs`` (those its ``candidate`` numbers were measured on)."""
    return GuardVerdict(reference, candidate, joined_for_recall(dist, pairs.same, reference.copies_found))


# ================================================================================================ a saved model
def embed_guard(spec: ModelSpec, guard: GuardSet, device: str = "auto", backend: str = "auto") -> np.ndarray:
    """The guard photos through ``spec`` as a scan would embed them."""
    from engine.imaging import load_for_model
    from engine.model.inference import Embedder

    embedder = Embedder(spec, device, backend)
    images = [load_for_model(p, spec.input_size, spec.input_mode)[0] for p in guard.paths]
    out = [embedder.embed_images(images[k : k + 32]) for k in range(0, len(images), 32)]
    return np.concatenate(out)


def check_model(
    spec: ModelSpec, rejected: Collection[str] = (), guard: GuardSet | None = None, device: str = "auto"
) -> GuardScores:
    """``spec`` on the guard set at its own threshold (``rejected``: kinds of copy left out, as its fine-tuning did)."""
    guard = guard or load_guard()
    pairs = guard.pairs(rejected)
    dist = pairs.distances(embed_guard(spec, guard, device))
    return measure(dist, pairs, spec.calibration, spec.threshold, spec.model_id)
