"""engine.runtime: one device choice for inference, training and fine-tuning; one OpenMP setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from engine.model.weights import ModelError
from engine.runtime import DEVICES, quiet_openmp, select_device

REPO = Path(__file__).resolve().parents[2]


def test_quiet_openmp_sets_passive_unless_the_user_chose(monkeypatch) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    quiet_openmp()
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    quiet_openmp()
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"


def test_importing_the_model_package_sets_it_before_torch_loads() -> None:
    code = "import os, sys; import engine.model; print(os.environ.get('OMP_WAIT_POLICY'), 'torch' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["PASSIVE", "False"]


def test_auto_and_cpu() -> None:
    assert select_device("cpu") == torch.device("cpu")
    assert select_device("auto").type in DEVICES


def test_unknown_or_missing_devices_are_model_errors() -> None:
    with pytest.raises(ModelError, match="unknown device"):
        select_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ModelError, match="no CUDA GPU"):
            select_device("cuda")
    if not torch.backends.mps.is_available():
        with pytest.raises(ModelError, match="MPS is not available"):
            select_device("mps")


@pytest.mark.skipif(torch.backends.mps.is_available(), reason="this machine has MPS")
def test_training_chooses_its_device_the_same_way(tmp_path: Path) -> None:
    """Training had its own chooser that knew no MPS and passed "mps" through to fail later."""
    from engine.learn.training import TrainConfig, train

    with pytest.raises(ModelError, match="MPS is not available"):
        train(TrainConfig(data=str(tmp_path), out=str(tmp_path / "run"), device="mps"))
