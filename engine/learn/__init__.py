"""Everything that trains: the bundled model's recipe and fine-tuning on the user's labels.

- ``augment``: what a photo library does to a picture (training positives, replay copies).
- ``losses``: distances, miners and the losses, which take explicit pairs (or mine them from labels).
- ``calibration``: numpy only; average precision, threshold choice and the distance -> score sigmoid.
- ``split_branch``: the network seen as a frozen front and a trainable tail.
- ``views`` and ``training``: the training recipe (``python main.py train``).
- ``finetune_types``, ``finetune_parts``, ``finetune_*`` stages and ``finetune``: fine-tuning on labelled pairs;
  ``finetune_judge`` decides whether a new version is used, on ``guard``: the shipped guard set (numpy only).

Importing this package is cheap; torch loads with the modules that need it. Scanning never imports it.
"""
