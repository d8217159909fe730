"""``train``: the recipe that makes the bundled model (Siamese fine-tuning of EfficientNet-Lite0's last blocks).

Ctrl-C cancels: the checkpoint is written and ``--resume`` continues from it.
"""

from __future__ import annotations

import argparse
import sys

from engine.cli.interrupt import cancel_on_sigint
from engine.cli.progressbar import ProgressBar, timestamped_log
from engine.imaging import INPUT_MODES
from engine.progress import Cancelled, CancelToken, Progress
from engine.runtime import DEVICES, quiet_openmp


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "train",
        help="train the Siamese model from a folder of photos",
        description="Train the Siamese embedding model; writes OUT/model (model.json + weights.pt).",
    )
    p.add_argument(
        "--data",
        required=True,
        metavar="DIR",
        help="the shared data root (train/, train-extra/: split by engine/learn/splits.py) or a folder of photos",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="run folder: checkpoint, cache, log, model/")
    p.add_argument(
        "--loss", choices=("contrastive", "triplet", "infonce"), default="contrastive"
    )  # learn.losses.LOSSES
    p.add_argument("--mining", choices=("semihard", "hard"), default="semihard")
    p.add_argument("--margin", type=float, help="triplet alpha (default 0.2) or contrastive m (default 1.0)")
    p.add_argument("--temperature", type=float, default=0.05, help="InfoNCE temperature")
    p.add_argument("--memory", type=int, default=0, help="InfoNCE: negatives kept from earlier batches")
    p.add_argument("--koleo", type=float, default=0.0, help="weight of the KoLeo spreading term")
    p.add_argument(
        "--neighbour-batches", action="store_true", help="batches of globally nearest instances, mined every epoch"
    )
    p.add_argument("--halves", type=float, default=0.0, help="share of photos split into two different halves")
    p.add_argument("--input-mode", choices=INPUT_MODES, default="squash", help="how a picture fills the input")
    p.add_argument(
        "--precision-target", type=float, default=0.99, help="the default threshold's precision on held-out pairs"
    )
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--input-size", type=int, default=160)
    p.add_argument("--cut", type=int, default=11, help="MBConv blocks kept frozen (0-16)")
    p.add_argument("--views", type=int, default=5, help="cached views per training photo (clean + augmented)")
    p.add_argument("--val-views", type=int, default=4, help="cached views per held-out photo")
    p.add_argument("--val-photos", type=int, default=500)
    p.add_argument("--batch-photos", type=int, default=64)
    p.add_argument("--stop-epoch", type=int, help="pause after this epoch (schedule unchanged); --resume goes on")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--body-lr", type=float, default=3e-4)
    p.add_argument("--max-photos", type=int, help="use only the first N photos (quick runs)")
    p.add_argument("--time-limit", type=float, metavar="MIN", help="stop training after MIN minutes, then export")
    p.add_argument("--workers", type=int, default=2, help="processes generating augmented views")
    p.add_argument("--cache-dir", metavar="DIR", help="feature cache folder (default OUT/cache; shareable)")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    quiet_openmp()
    from engine.learn.train_types import TrainConfig
    from engine.learn.training import train
    from engine.model.weights import ModelError

    cfg = TrainConfig(
        data=args.data,
        out=args.out,
        loss=args.loss,
        mining=args.mining,
        margin=args.margin,
        temperature=args.temperature,
        memory=args.memory,
        koleo=args.koleo,
        neighbour_batches=args.neighbour_batches,
        halves=args.halves,
        input_mode=args.input_mode,
        precision_target=args.precision_target,
        epochs=args.epochs,
        seed=args.seed,
        input_size=args.input_size,
        cut=args.cut,
        views=args.views,
        val_views=args.val_views,
        val_photos=args.val_photos,
        batch_photos=args.batch_photos,
        lr=args.lr,
        body_lr=args.body_lr,
        max_photos=args.max_photos,
        time_limit_min=args.time_limit,
        stop_epoch=args.stop_epoch,
        workers=args.workers,
        device=args.device,
        cache_dir=args.cache_dir,
    )
    token = CancelToken()
    bar = ProgressBar()
    try:
        with cancel_on_sigint(token):
            result = train(cfg, Progress(bar, token), resume=args.resume, log=timestamped_log(bar))
    except (Cancelled, KeyboardInterrupt):
        bar.close()
        print(f"cancelled; checkpoint kept in {args.out} (continue with --resume)", file=sys.stderr)
        return 130
    except (FileNotFoundError, ValueError, RuntimeError, ModelError) as exc:
        bar.close()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bar.close()
    print(
        f"model written to {result.model_dir} in {result.seconds / 60:.1f} min; best validation "
        f"AP {result.best.get('ap', float('nan')):.4f} at epoch {result.best.get('epoch')}"
    )
    return 0
