"""The long CLI commands' Ctrl-C and log lines (engine/cli/interrupt.py, engine/cli/progressbar.py), shared by
``train`` and ``finetune``."""

from __future__ import annotations

import io
import os
import re
import signal

import pytest

from engine.cli.interrupt import cancel_on_sigint
from engine.cli.progressbar import ProgressBar, timestamped_log
from engine.progress import CancelToken

pytestmark = pytest.mark.skipif(os.name != "posix", reason="raises SIGINT in the test process")


def test_first_ctrl_c_cancels_the_second_gives_up_and_the_old_handler_returns() -> None:
    before = signal.getsignal(signal.SIGINT)
    token = CancelToken()
    steps: list[object] = []
    with pytest.raises(KeyboardInterrupt), cancel_on_sigint(token):
        signal.raise_signal(signal.SIGINT)
        steps.append(token.cancelled)  # the job goes on to its next check, which stops it cleanly
        signal.raise_signal(signal.SIGINT)
        steps.append("the second Ctrl-C did not stop it")
    assert steps == [True]
    assert signal.getsignal(signal.SIGINT) is before


def test_handler_restored_after_a_normal_end() -> None:
    before = signal.getsignal(signal.SIGINT)
    token = CancelToken()
    with cancel_on_sigint(token):
        assert signal.getsignal(signal.SIGINT) is not before
    assert signal.getsignal(signal.SIGINT) is before and not token.cancelled


def test_a_log_line_clears_the_bar_first(capsys) -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=True)
    bar("training", 1, 4)
    timestamped_log(bar)("epoch 1 done")
    assert stream.getvalue().endswith("\r" + " " * 100 + "\r")  # the bar line is blanked before the log line
    assert re.fullmatch(r"\d\d:\d\d:\d\d epoch 1 done\n", capsys.readouterr().out)
