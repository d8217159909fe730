"""Broken model folders: each wrong field of model.json, each bad weights file, gives one line naming it.

Through ``main.py scan --model DIR`` they exit 2 with that line, never a traceback and never nonsense groups.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import warnings
from pathlib import Path

import pytest
from PIL import Image

from engine.cli import main as cli
from engine.model.weights import ModelError, bundled_model_dir, file_digest, load_spec, verify_model_id

BUNDLED = json.loads((bundled_model_dir() / "model.json").read_text(encoding="utf-8"))


def model_folder(tmp_path: Path, spec: object = None, **fields) -> Path:
    """A copy of the bundled model folder (weights linked), with ``fields`` replaced (None values are removed)."""
    folder = tmp_path / "model"
    folder.mkdir(exist_ok=True)
    os.symlink(bundled_model_dir() / "weights.pt", folder / "weights.pt")
    if spec is None:
        spec = {**BUNDLED, **fields}
        for name in [k for k, v in fields.items() if v is None]:
            spec.pop(name)
    (folder / "model.json").write_text(json.dumps(spec), encoding="utf-8")
    return folder


def error_of(folder: Path) -> str:
    with pytest.raises(ModelError) as err:
        verify_model_id(load_spec(folder))
    message = str(err.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"weights": None}, '"weights" is missing'),
        ({"weights": ""}, '"weights" must be the weights file name'),
        ({"weights": 3}, '"weights" must be the weights file name'),
        ({"model_id": ""}, '"model_id" must be a non-empty text'),
        ({"calibration": {"scale": 0, "offset": 0.5}}, '"calibration.scale" must be a number above 0, not 0'),
        ({"calibration": {"scale": float("nan"), "offset": 0.5}}, '"calibration.scale" must be a number above 0'),
        ({"calibration": {"scale": 12.0}}, '"calibration.offset" is missing'),
        ({"calibration": {"scale": 12.0, "offset": 9}}, '"calibration.offset" must be a distance from 0 to 2'),
        ({"calibration": "sigmoid"}, '"calibration" must be an object'),
        ({"threshold": "0.9"}, '"threshold" must be a number between 0 and 1 (both excluded), not "0.9"'),
        ({"threshold": 5}, '"threshold" must be a number between 0 and 1'),
        ({"threshold": -1}, '"threshold" must be a number between 0 and 1'),
        ({"threshold": 1.0}, '"threshold" must be a number between 0 and 1'),
        ({"threshold": True}, '"threshold" must be a number between 0 and 1'),
        ({"sure_threshold": 1.5}, '"sure_threshold" must be null or a number above 0, up to 1'),
        ({"embedding_dim": "256"}, '"embedding_dim" must be null or a whole number from 1 to 65536, not "256"'),
        ({"embedding_dim": 0}, '"embedding_dim" must be null or a whole number'),
        ({"hidden": 2.5}, '"hidden" must be a whole number from 1 to 65536'),
        ({"mean": "grey"}, '"mean" must be a number, not "grey"'),
        ({"std": 0}, '"std" must be a number above 0, not 0'),
        ({"input_size": 0}, '"input_size" must be a whole number of pixels from 16 to 2048 (or [height, width] of'),
        ({"input_size": -160}, '"input_size" must be a whole number of pixels'),
        ({"input_size": "big"}, 'of such), not "big"'),
        ({"input_size": 10**9}, "of such), not 1000000000"),
        ({"input_size": [96, 0]}, "of such), not [96, 0]"),
        ({"input_mode": "stretch"}, '"input_mode" must be one of squash, pad, not "stretch"'),
    ],
)
def test_each_wrong_field_is_named(tmp_path: Path, fields: dict, expected: str) -> None:
    assert expected in error_of(model_folder(tmp_path, **fields))


@pytest.mark.parametrize(("spec", "found"), [(None, "null"), ("a model", '"a model"'), ([1, 2], "[1, 2]")])
def test_model_json_that_is_not_an_object(tmp_path: Path, spec: object, found: str) -> None:
    folder = model_folder(tmp_path, spec=spec if spec is not None else 0)
    (folder / "model.json").write_text(json.dumps(spec), encoding="utf-8")
    assert error_of(folder).endswith(f"model.json: expected a JSON object of model fields, found {found}")


def test_weights_that_are_missing_or_not_a_file(tmp_path: Path) -> None:
    folder = model_folder(tmp_path, weights="gone.pt")
    assert error_of(folder) == f"weights file {folder / 'gone.pt'} is missing"
    (folder / "weights.pt").unlink()
    (folder / "weights.pt").mkdir()
    folder_json = json.loads((folder / "model.json").read_text())
    (folder / "model.json").write_text(json.dumps({**folder_json, "weights": "weights.pt"}))
    assert error_of(folder) == f"weights file {folder / 'weights.pt'} is not a regular file: a folder"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_weights_that_are_a_fifo_do_not_block(tmp_path: Path) -> None:
    from tests.conftest import finishes, unblock

    folder = model_folder(tmp_path)
    (folder / "weights.pt").unlink()
    os.mkfifo(folder / "weights.pt")
    try:
        outcome = finishes(lambda: verify_model_id(load_spec(folder)))
    finally:
        unblock(folder / "weights.pt")
    assert isinstance(outcome, ModelError) and "named pipe (FIFO)" in str(outcome)


class Payload:
    """Anything besides tensors: torch.load(weights_only=True) refuses to unpickle it."""


def test_a_refused_pickle_is_one_line_of_ours(tmp_path: Path) -> None:
    from engine.model.weights import build_network

    folder = tmp_path / "model"
    folder.mkdir()
    with open(folder / "weights.pt", "wb") as fh:
        pickle.dump({"weights": Payload()}, fh)
    digest = file_digest(folder / "weights.pt")[:12]
    (folder / "model.json").write_text(json.dumps({**BUNDLED, "model_id": f"evil-{digest}"}))
    spec = load_spec(folder)
    verify_model_id(spec)
    with pytest.raises(ModelError) as err, warnings.catch_warnings(record=True) as caught:
        build_network(spec)
    message = str(err.value)
    assert message.endswith("weights.pt: it holds Python objects besides tensors, refused for safety")
    assert message.startswith("cannot load weights ") and "weights_only" not in message
    assert [str(w.message) for w in caught] == []  # torch's "Detected pickle protocol 4" stays out too


def test_the_bundled_model_and_a_good_copy_still_load(tmp_path: Path) -> None:
    spec = load_spec(model_folder(tmp_path, sure_threshold=0.97, input_mode="pad", note="kept as extra"))
    verify_model_id(spec)
    assert spec.sure_threshold == 0.97 and spec.extra["note"] == "kept as extra"
    verify_model_id(load_spec(None))


@pytest.mark.parametrize(
    "fields", [{"threshold": 5}, {"weights": "gone.pt"}, {"calibration": {"scale": 0, "offset": 0.5}}]
)
def test_scan_with_a_broken_model_exits_2_with_one_line(tmp_path: Path, capsys, fields: dict) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.new("RGB", (32, 32), (9, 99, 199)).save(photos / "a.jpg")
    folder = model_folder(tmp_path, **fields)
    assert cli(["scan", str(photos), "--model", str(folder), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("doppel: error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_a_model_folder_given_as_its_json_file(tmp_path: Path) -> None:
    folder = model_folder(tmp_path)
    assert load_spec(folder / "model.json").model_id == BUNDLED["model_id"]
    shutil.rmtree(folder)
    with pytest.raises(ModelError, match="model.json is missing"):
        load_spec(folder)


def test_saved_spec_keeps_the_scoring_after_the_network(tmp_path: Path) -> None:
    """save_spec writes what load_spec reads: a saved version keeps its verification parameters."""
    from engine.model.weights import save_spec

    bundled = load_spec(None)
    assert bundled.verification is not None
    shutil.copy(bundled.weights_path(), tmp_path / "weights.pt")
    save_spec(bundled, tmp_path)
    again = load_spec(tmp_path)
    assert again.verification == bundled.verification and again.neighbourhood == bundled.neighbourhood
    assert again.threshold == bundled.threshold and again.input_mode == "pad"
