"""``scan``: the CLI contract other tools and the benchmarks read (pairs CSV, groups JSON, exit codes)."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from engine.cli.progressbar import ProgressBar
from engine.discovery import BadRootError
from engine.labels import LabelStoreError
from engine.model.backends import BACKENDS
from engine.model.weights import ModelError
from engine.progress import Cancelled, Progress
from engine.results import ScanResult
from engine.runtime import DEVICES
from engine.settings import DEFAULT_KEEP_RULES, DEFAULT_RAW_JPEG, KEEP_RULES, RAW_JPEG_RULES, ScanSettings


def _unit_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def _keep_rules(text: str) -> tuple[str, ...]:
    rules = tuple(r.strip() for r in text.split(",") if r.strip())
    bad = [r for r in rules if r not in KEEP_RULES]
    if bad or not rules:
        raise argparse.ArgumentTypeError(f"unknown keep rule {bad or text!r} (choose from {', '.join(KEEP_RULES)})")
    return rules


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "scan",
        help="scan folders for duplicate and near-duplicate photos",
        description="Scan folders for duplicate and near-duplicate photos.",
    )
    p.add_argument("roots", nargs="+", metavar="ROOT", help="folders to scan (recursively)")
    p.add_argument("--threshold", type=_unit_float, help="group pairs scoring at least this (default: the model's)")
    p.add_argument(
        "--sure-threshold",
        type=_unit_float,
        help="a member this alike to the keeper is a sure duplicate; groups with less are 'uncertain' "
        "(default: the model's, else halfway from its threshold to 1)",
    )
    p.add_argument("--min-score", type=_unit_float, help="report pairs from this score (default: the threshold)")
    p.add_argument("--pairs-csv", metavar="FILE", help="write candidate pairs: path_a,path_b,score")
    p.add_argument("--groups-json", metavar="FILE", help="write groups, keepers and skipped files as JSON")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        default="auto",
        help="inference runtime: auto (OpenVINO on the CPU, torch on a GPU), torch or openvino (default: auto)",
    )
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the embedding cache")
    p.add_argument("--cache", metavar="FILE", help="cache file (default: user cache dir, or $DOPPEL_CACHE_DIR)")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip matching files/folders")
    p.add_argument("--include", action="append", default=[], metavar="GLOB", help="only matching files")
    p.add_argument("--hidden", action="store_true", help="include hidden files and folders")
    p.add_argument("--model", metavar="DIR", help="model folder (default: the active version, see `doppel models`)")
    p.add_argument("--exact-only", action="store_true", help="byte-identical duplicates only, no model")
    p.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="skip the geometric check of near misses: faster, finds fewer small crops and screenshots",
    )
    p.add_argument(
        "--labels",
        metavar="DB",
        help="apply the pair labels in this store (default: the app's, in the data dir or $DOPPEL_DATA_DIR)",
    )
    p.add_argument("--no-labels", action="store_true", help="ignore the pair labels: group by the model alone")
    p.add_argument(
        "--keep",
        type=_keep_rules,
        default=DEFAULT_KEEP_RULES,
        help=f"keeper rules, comma-separated, from {','.join(KEEP_RULES)} (default: %(default)s)",
    )
    p.add_argument(
        "--raw-jpeg",
        choices=RAW_JPEG_RULES,
        default=DEFAULT_RAW_JPEG,
        help="of a camera RAW and the JPEG shot with it, keep both (never marked), the RAW or the JPEG; "
        "written to --groups-json, which apply follows (default: %(default)s)",
    )
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--quiet", action="store_true", help="no summary on stdout")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.model is None and not args.exact_only:
        from engine.model.versions import active_model_path

        args.model = active_model_path()
    if args.labels and not args.no_labels and not os.path.isfile(args.labels):
        print(f"doppel: error: no label store at {args.labels}", file=sys.stderr)
        return 2
    settings = ScanSettings(
        roots=tuple(args.roots),
        include=tuple(args.include),
        exclude=tuple(args.exclude),
        include_hidden=args.hidden,
        threshold=args.threshold,
        min_score=args.min_score,
        sure_threshold=args.sure_threshold,
        device=args.device,
        backend=args.backend,
        use_cache=not args.no_cache,
        cache_path=args.cache,
        model_path=args.model,
        exact_only=args.exact_only,
        verify=args.verify,
        keep_rules=args.keep,
        raw_jpeg=args.raw_jpeg,
        batch_size=max(1, args.batch_size),
        use_labels=not args.no_labels,
        labels_path=args.labels,
    )
    bar = ProgressBar()
    from engine.scan import scan  # after argument errors, which need no engine

    try:
        result = scan(settings, Progress(bar))
    except (BadRootError, ModelError, LabelStoreError) as exc:
        bar.close()
        print(f"doppel: error: {exc}", file=sys.stderr)
        return 2
    except (Cancelled, KeyboardInterrupt):
        bar.close()
        print("doppel: cancelled; what was done is cached and the next scan resumes from it", file=sys.stderr)
        return 130
    bar.close()
    for warning in result.warnings:  # said once per scan: the cache set aside, read-only, or in memory
        print(f"doppel: warning: {warning}", file=sys.stderr)
    try:
        if args.pairs_csv:
            write_pairs_csv(result, args.pairs_csv)
        if args.groups_json:
            write_groups_json(result, args.groups_json, settings.roots, settings.raw_jpeg)
    except OSError as exc:
        print(f"doppel: error: cannot write output: {exc}", file=sys.stderr)
        return 2
    if not args.quiet and not (args.pairs_csv or args.groups_json):
        print_summary(result)
    elif not args.quiet:
        print(summary_line(result))
    return 0


def _open_out(path: str) -> TextIO:
    # surrogateescape writes non-UTF-8 file names back as the bytes they were on disk
    return open(path, "w", encoding="utf-8", errors="surrogateescape", newline="")


def write_pairs_csv(result: ScanResult, path: str) -> None:
    with _open_out(path) as f:
        w = csv.writer(f)
        w.writerow(["path_a", "path_b", "score"])
        for p in sorted(result.pairs, key=lambda p: (-p.score, p.a, p.b)):
            w.writerow([p.a, p.b, f"{p.score:.6f}"])


def write_groups_json(result: ScanResult, path: str, roots: Sequence[str] = (), raw_jpeg: str | None = None) -> None:
    from engine.resultsfile import groups_document  # the format's one writer, beside its reader

    with _open_out(path) as f:
        json.dump(groups_document(result, roots, raw_jpeg), f, indent=1)


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def summary_line(result: ScanResult) -> str:
    extra = sum(len(g.members) - 1 for g in result.groups)
    reclaim = sum(g.reclaimable_bytes for g in result.groups)
    secs = result.stats.get("timings", {}).get("total", 0.0)
    return (
        f"{_n(result.files_scanned, 'file')} scanned in {secs:.1f} s: {_n(len(result.groups), 'group')}, "
        f"{_n(extra, 'extra copy', 'extra copies')} ({_mb(reclaim)} reclaimable), {len(result.skipped)} skipped"
    )


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def print_summary(result: ScanResult, out: TextIO | None = None) -> None:
    out = out if out is not None else sys.stdout  # looked up now: callers may have replaced it

    encoding = getattr(out, "encoding", None) or "utf-8"

    def say(text: str) -> None:
        # bytes of non-UTF-8 names as U+FFFD, then what the console cannot encode (an emoji on cp1252) as escapes
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        out.write(text.encode(encoding, "backslashreplace").decode(encoding) + "\n")

    say(summary_line(result))
    for n, g in enumerate(result.groups, 1):
        kind = "identical" if g.exact else "similar"
        review = "; review: not every member is a sure duplicate of the keeper" if g.uncertain else ""
        say(f"\nGroup {n} ({kind}, {_mb(g.reclaimable_bytes)} reclaimable{review})")
        for m in g.members:
            tag = "keep" if m.path == g.keeper else "    "
            say(f"  [{tag}] {m.score:.3f}  {m.width}x{m.height}  {_mb(m.size):>9}  {m.path}")
    if result.skipped:
        say(f"\nSkipped {len(result.skipped)} files:")
        for s in result.skipped:
            say(f"  {s.path}: {s.reason}")
