"""The Siamese network: architecture, weights (bundled and user versions), preprocessing and inference."""

import os

# OpenMP's default active wait spins idle threads; on a desktop where other programs (or our own decode
# threads) want the cores, that made inference 3x slower in our measurements. Must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
