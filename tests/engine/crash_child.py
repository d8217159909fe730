"""The fault-injection tests' child: run one file action and SIGKILL this process at a chosen step.

``python crash_child.py SPEC`` where SPEC is JSON: ``groups`` (a groups JSON file), ``action`` (trash, move,
hardlink, symlink), ``to`` (move's folder), ``cross_device`` (os.rename between two folders fails with EXDEV, as
between file systems), ``kill`` ("rename-before", "rename-after": os.rename or os.replace; "unlink-before") and
``at`` (which call), and
``cli`` (go through ``main.py apply`` instead of the engine functions). Not a test module (no ``test_`` prefix).
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sys

spec = json.loads(sys.argv[1])
real = {"rename": os.rename, "replace": os.replace, "unlink": os.unlink}
calls = {"rename": 0, "unlink": 0}


def die_if(point: str, count: int) -> None:
    if spec.get("kill") == point and count == spec.get("at"):
        os.kill(os.getpid(), signal.SIGKILL)


def renamer(name: str):
    """os.rename or os.replace; both count as "rename" for the kill points."""

    def rename(src, dst, *args, **kwargs):
        if spec.get("cross_device") and os.path.dirname(os.fspath(src)) != os.path.dirname(os.fspath(dst)):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        calls["rename"] += 1
        die_if("rename-before", calls["rename"])
        real[name](src, dst, *args, **kwargs)
        die_if("rename-after", calls["rename"])

    return rename


def unlink(path, *args, **kwargs):
    calls["unlink"] += 1
    die_if("unlink-before", calls["unlink"])
    real["unlink"](path, *args, **kwargs)


os.rename, os.replace, os.unlink = renamer("rename"), renamer("replace"), unlink


def main() -> int:
    if spec.get("cli"):
        from engine.cli import main as cli_main

        extra = ["--to", spec["to"]] if spec.get("to") else []
        return cli_main(["apply", spec["groups"], "--action", spec["action"], *extra])
    from engine import fileops
    from engine.groupsfile import read_groups

    groups = list(read_groups(spec["groups"]).groups)
    members = [m for g in groups for m in g.members if m.path != g.keeper]
    if spec["action"] == "trash":
        fileops.trash_files(members, groups)
    elif spec["action"] == "move":
        fileops.move_files(members, spec["to"], groups)
    else:
        fileops.link_files(members, groups, kind=spec["action"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
