"""``emit(signal, *args)``: every signal emitted from Python goes through here.

PySide6 6.12.0 returns ``True`` from ``SignalInstance.emit()`` without taking a reference to it, so each emit
drops one reference to ``True`` that was never taken; after a few thousand emits Python 3.11 aborts with
"bool_dealloc: deallocating True or False". ``emit`` puts the missing reference back, only when a probe at import
shows the bug, so a fixed PySide6 needs no change here.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal, SignalInstance


class _Probe(QObject):
    ping = Signal()


def _emit_steals_a_reference() -> bool:
    probe = _Probe()
    rounds = 8
    before = sys.getrefcount(True)
    for _ in range(rounds):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    if lost > 0:
        for _ in range(lost):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))  # give back what the probe itself lost
    return lost == rounds


EMIT_STEALS_TRUE = _emit_steals_a_reference()


def emit(signal: SignalInstance, *args) -> None:
    result = signal.emit(*args)
    if EMIT_STEALS_TRUE and result is True:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
