"""The Siamese network: architecture, weights (bundled and user versions), preprocessing and inference."""
