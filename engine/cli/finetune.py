"""``finetune``: teach the model the user's idea of a duplicate from the pairs they labelled.

The candidate is always saved as a new version in the user data directory; it is made active only when the
evidence says to use it (enough held-out labels, better on them, no loss on the guard set: engine.learn.finetune_judge),
or with ``--force``; ``--no-activate`` keeps the current one. Ctrl-C cancels. Exit codes: :data:`EXIT_CODES`.
"""

from __future__ import annotations

import argparse
import os
import sys

from engine.cli.interrupt import cancel_on_sigint
from engine.cli.progressbar import ProgressBar, timestamped_log
from engine.progress import Cancelled, CancelToken, Progress
from engine.runtime import DEVICES, quiet_openmp

EXIT_CODES = {
    "saved": 0,  # saved and now in use (or would be, with --no-activate)
    "not-better": 1,  # saved, not used: not better than the current model on the held-out labels
    "need-more-labels": 3,  # fewer than 10 usable labelled pairs: nothing trained
    "too-few-held-out": 3,  # saved, not used: too few labels of a kind to judge it
    "guard-failed": 4,  # saved, not used: it loses on the guard set
}
"""Per engine.learn.finetune_types.Outcome value; 2 is an error, 130 a cancel (README: Teaching Doppel)."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "finetune",
        help="fine-tune the model on the pairs you labelled",
        description="Fine-tune the model on the pairs you marked 'is / is not a duplicate'; the "
        "result becomes a new model version (see `doppel models`).",
    )
    p.add_argument("--labels", metavar="DB", help="label database (default: the one in the user data directory)")
    p.add_argument(
        "--library",
        action="append",
        default=[],
        metavar="DIR",
        help="folders of your photos to mix in so the model does not forget (repeatable; default: "
        "the folders of the labelled photos)",
    )
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--replay-images", type=int, default=200, help="library photos mixed in (default 200)")
    p.add_argument("--train-blocks", type=int, default=0, help="also train the last N backbone blocks (default 0)")
    p.add_argument(
        "--force",
        action="store_true",
        help="use the new version even if the evidence does not say it is better (it is always saved)",
    )
    p.add_argument("--no-activate", action="store_true", help="save the new version but keep using the current one")


def library_files(folders: list[str], progress: Progress) -> list[str]:
    from engine.discovery import discover
    from engine.settings import ScanSettings

    entries, _ = discover(folders, ScanSettings(roots=tuple(folders)), progress)
    return [e.path for e in entries]


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    quiet_openmp()
    from engine.discovery import BadRootError
    from engine.labels import LabelStore
    from engine.learn.finetune import finetune
    from engine.learn.finetune_types import FinetuneConfig, Outcome
    from engine.model import versions
    from engine.model.weights import ModelError

    if args.labels and not os.path.isfile(args.labels):
        print(f"doppel: error: no label database at {args.labels}", file=sys.stderr)
        return 2
    pairs = LabelStore(args.labels).pairs()
    token = CancelToken()
    bar = ProgressBar()
    progress = Progress(bar, token)
    try:
        with cancel_on_sigint(token):
            folders = args.library or sorted(
                {os.path.dirname(p) for q in pairs for p in (q.path_a, q.path_b) if os.path.isdir(os.path.dirname(p))}
            )
            library = library_files(folders, progress) if folders else []
            cfg = FinetuneConfig(
                epochs=args.epochs,
                seed=args.seed,
                device=args.device,
                replay_images=args.replay_images,
                train_blocks=args.train_blocks,
            )
            result = finetune(pairs, library, cfg, progress, force=args.force, log=timestamped_log(bar))
    except (Cancelled, KeyboardInterrupt):
        bar.close()
        print("doppel: cancelled; nothing was saved", file=sys.stderr)
        return 130
    except (BadRootError, ModelError) as exc:
        bar.close()
        print(f"doppel: error: {exc}", file=sys.stderr)
        return 2
    bar.close()
    print(result.message)
    if result.status is Outcome.NEED_MORE:
        return EXIT_CODES[result.status.value]
    assert result.spec is not None  # a saved version always has its spec
    if not result.use:
        print(
            f"still using {versions.describe(versions.active_version_id())}; "
            f"`doppel models use {result.spec.model_id}` would use the new version anyway"
        )
        return EXIT_CODES.get(result.status.value, 1)
    if not args.no_activate:
        versions.use_version(result.spec.model_id)
        print(f"now using {result.spec.model_id}; `doppel models use bundled` switches back")
    print(f"done in {result.seconds:.0f} s")
    return 0
