"""Draw the results PNG with matplotlib from its own virtualenv, never cloudlet's environment.

    ~/.cache/cloudlet-bench/venvs/plot   (or $CLOUDLET_BENCH_CACHE/venvs/plot)

The venv is created and matplotlib pip-installed on first use; `benchmarks/plot.py` then runs in it
as a subprocess on the results JSON (it imports nothing from cloudlet or this package).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.peers import CACHE

REQUIREMENT = "matplotlib"
INSTALL_TIMEOUT_S = 600
DRAW_TIMEOUT_S = 120
SCRIPT = Path(__file__).with_name("plot.py")


class PlotError(Exception):
    pass


def venv_dir() -> Path:
    return CACHE / "venvs" / "plot"


def ensure_installed() -> Path:
    """The plot venv's python, with matplotlib importable (installing it on first use)."""
    venv = venv_dir()
    python = venv / "bin" / "python"
    if python.exists() and _imports(python):
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    print(f"plot: installing {REQUIREMENT!r} into {venv} ...", file=sys.stderr, flush=True)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", REQUIREMENT],
    ]
    for argv in steps:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PlotError(f"{' '.join(argv[:4])} failed: {exc}") from exc
        if done.returncode != 0:
            lines = [ln for ln in (done.stderr or done.stdout).splitlines() if not ln.startswith("WARNING")]
            raise PlotError(f"{' '.join(argv[:4])} failed: {(lines or ['?'])[-1]}")
    if not _imports(python):
        raise PlotError(f"installed {REQUIREMENT!r} into {venv} but it does not import")
    return python


def _imports(python: Path) -> bool:
    try:
        done = subprocess.run([str(python), "-c", "import matplotlib"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def draw(results_json: str, png: str) -> None:
    """Render `png` from the results JSON; raises PlotError with the reason when it cannot."""
    python = ensure_installed()
    env = {**os.environ, "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(venv_dir() / "mplconfig")}
    env.pop("PYTHONPATH", None)
    try:
        done = subprocess.run(
            [str(python), str(SCRIPT), results_json, png],
            capture_output=True,
            text=True,
            timeout=DRAW_TIMEOUT_S,
            env=env,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PlotError(f"plot.py failed: {exc}") from exc
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise PlotError(f"plot.py failed: {(lines or ['?'])[-1]}")
