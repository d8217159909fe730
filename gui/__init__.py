"""Doppel's PySide6 front end; everything that does the work lives in ``engine``."""
