"""The Siamese network: architecture, weights (bundled and user versions), preprocessing and inference."""

from engine.runtime import quiet_openmp

quiet_openmp()  # every torch import in the app goes through this package; OpenMP reads the setting once
