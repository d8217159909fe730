"""Build the installable app: PyInstaller one-folder build, a self-test of the result, then a compressed archive.

    python packaging/build.py [--skip-build] [--no-self-test] [--no-archive] [--clean] [--distpath D] [--workpath W]

Output (all git-ignored): dist/Doppel/ (the app folder), dist/Doppel-<version>-<platform>.tar.gz (Linux, macOS)
or .zip (Windows), and dist/build-info.json with the build time and the sizes. On Linux the archive holds the
folder, the desktop entry, the icon and install.sh (installs under ~/.local/opt and ~/.local/share/applications).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
APP = "Doppel"
DIST = ROOT / "dist"  # changed by --distpath / --workpath (e.g. a second build with another torch)
WORK = ROOT / "build"


def version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def platform_tag() -> str:
    system = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(sys.platform, sys.platform)
    return f"{system}-{platform.machine().lower()}"


def folder_size(path: Path) -> int:
    total = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
    return total


def human(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024
    return f"{n} B"


def executable() -> Path:
    return DIST / APP / (f"{APP}.exe" if sys.platform == "win32" else APP)


def run_pyinstaller() -> None:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        sys.exit("PyInstaller is missing: pip install -e '.[build]'")
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(WORK),
        str(PACKAGING / "doppel.spec"),
    ]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def self_test() -> int:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    print(f"+ {executable()} --self-test", flush=True)
    return subprocess.run([str(executable()), "--self-test"], env=env).returncode


def make_archive() -> Path:
    stem = f"{APP}-{version()}-{platform_tag()}"
    if sys.platform == "win32":
        out = DIST / f"{stem}.zip"
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for p in sorted((DIST / APP).rglob("*")):
                if p.is_file():
                    z.write(p, f"{stem}/{p.relative_to(DIST)}")
        return out
    out = DIST / f"{stem}.tar.gz"
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        if sys.platform == "darwin" and (DIST / f"{APP}.app").is_dir():
            tar.add(DIST / f"{APP}.app", arcname=f"{stem}/{APP}.app")
        else:
            tar.add(DIST / APP, arcname=f"{stem}/{APP}")
            extras = {
                "doppel.desktop": PACKAGING / "doppel.desktop",
                "install.sh": PACKAGING / "install.sh",
                "doppel.png": PACKAGING / "icons" / "doppel.png",
                "doppel.svg": PACKAGING / "icons" / "doppel.svg",
            }
            for name, src in extras.items():
                info = tar.gettarinfo(str(src), arcname=f"{stem}/{name}")
                info.mode = 0o755 if name.endswith(".sh") else 0o644
                with open(src, "rb") as f:
                    tar.addfile(info, f)
    return out


def main() -> int:
    global DIST, WORK
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-build", action="store_true", help="reuse dist/Doppel from an earlier build")
    ap.add_argument("--no-self-test", action="store_true", help="do not run the built app's --self-test")
    ap.add_argument("--no-archive", action="store_true", help="do not make the compressed archive")
    ap.add_argument("--clean", action="store_true", help="remove build/ (PyInstaller's work folder) afterwards")
    ap.add_argument("--distpath", type=Path, default=DIST, help="where the app folder and archive go (default: dist)")
    ap.add_argument("--workpath", type=Path, default=WORK, help="PyInstaller's work folder (default: build)")
    args = ap.parse_args()
    DIST, WORK = args.distpath.resolve(), args.workpath.resolve()

    info: dict = {"version": version(), "platform": platform_tag(), "python": platform.python_version()}
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_cuda"] = torch.version.cuda
    except ImportError:
        pass

    if not args.skip_build:
        t0 = time.perf_counter()
        run_pyinstaller()
        info["build_seconds"] = round(time.perf_counter() - t0, 1)
        print(f"built {DIST / APP} in {info['build_seconds']:.0f} s", flush=True)
    if not executable().exists():
        sys.exit(f"{executable()} is missing: build first")
    info["folder_bytes"] = folder_size(DIST / APP)
    print(f"folder {DIST / APP}: {human(info['folder_bytes'])}", flush=True)

    status = 0
    if not args.no_self_test:
        status = self_test()
        info["self_test_exit"] = status
        if status != 0:
            print(f"self-test FAILED (exit {status}); no archive made", file=sys.stderr)
    if status == 0 and not args.no_archive:
        t0 = time.perf_counter()
        archive = make_archive()
        info["archive"] = archive.name
        info["archive_bytes"] = archive.stat().st_size
        info["archive_seconds"] = round(time.perf_counter() - t0, 1)
        print(f"archive {archive}: {human(info['archive_bytes'])} in {info['archive_seconds']:.0f} s", flush=True)
    if args.clean and WORK.exists():
        shutil.rmtree(WORK)
    (DIST / "build-info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
