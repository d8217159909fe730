"""``models``: list the model versions fine-tuning made, choose which one scans use, and check one on the guard set."""

from __future__ import annotations

import argparse
import sys
import time

from engine.model import versions
from engine.model.weights import ModelError, load_spec


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "models",
        help="list model versions or choose the one to use",
        description="Model versions: the bundled model and those `doppel finetune` made.",
    )
    msub = p.add_subparsers(dest="models_command", required=True)
    msub.add_parser("list", help="list the versions; * marks the one in use")
    use = msub.add_parser("use", help="use a version (ID from `models list`), or `bundled`")
    use.add_argument("id", metavar="ID|bundled")
    rm = msub.add_parser("remove", help="delete a version (the bundled model cannot be removed)")
    rm.add_argument("id", metavar="ID")
    guard = msub.add_parser(
        "guard",
        help="a version (or the bundled model) on the guard set: false pairs, copies found and AP at its threshold",
    )
    guard.add_argument("id", metavar="ID|bundled", nargs="?", default=versions.BUNDLED)


def _fmt(x: float | None) -> str:
    return "-" if x is None or x != x else f"{x:.3f}"


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        if args.models_command == "list":
            active = versions.active_version_id()
            try:
                bundled = load_spec(None).model_id
            except ModelError as exc:
                bundled = f"(unavailable: {exc})"
            print(f"{'*' if active is None else ' '} {versions.BUNDLED:<28} {bundled}")
            for v in versions.list_versions():
                cur, cand = v.summary.get("current", {}), v.summary.get("candidate", {})
                when = time.strftime("%Y-%m-%d %H:%M", time.localtime(v.created))
                print(
                    f"{'*' if v.model_id == active else ' '} {v.model_id:<28} {when}  "
                    f"{v.summary.get('labels', '?')} labels, held-out agreement "
                    f"{_fmt((cur or {}).get('agreement'))} -> {_fmt((cand or {}).get('agreement'))}, "
                    f"AP {_fmt((cur or {}).get('ap'))} -> {_fmt((cand or {}).get('ap'))}"
                )
                if v.summary.get("reasons"):
                    print(f"    not recommended when made: {'; '.join(v.summary['reasons'])}")
        elif args.models_command == "use":
            versions.use_version(args.id)
            print(f"now using {versions.describe(versions.active_version_id())}")
        elif args.models_command == "guard":
            return _guard(args.id)
        elif args.models_command == "remove":
            versions.remove_version(args.id)
            print(f"removed {args.id}; now using {versions.describe(versions.active_version_id())}")
    except ModelError as exc:
        print(f"doppel: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _guard(model_id: str) -> int:
    """Print the bundled model's guard numbers and, for a version, its own on the same pairs."""
    from engine.learn.guard import check_model

    bundled = load_spec(None)
    rejected: list[str] = []
    spec = bundled
    if model_id != versions.BUNDLED:
        v = versions.get_version(model_id)
        spec = load_spec(v.folder)
        rejected = list(v.summary.get("rejected_families", []))
    if rejected:
        print(f"left out: copies made by {', '.join(rejected)} (this version learnt that they are not duplicates)")
    print(f"{bundled.model_id}: {check_model(bundled, rejected).line()}")
    if spec is not bundled:
        print(f"{spec.model_id}: {check_model(spec, rejected).line()}")
    return 0
