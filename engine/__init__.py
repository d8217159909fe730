"""Doppel's headless engine: discovery, decoding, embedding, candidate search, grouping, file actions.

Nothing in this package imports Qt; the GUI, the CLI, the benchmarks and the tests all drive it.
"""
