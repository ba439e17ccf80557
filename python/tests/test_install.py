# SPDX-License-Identifier: MIT
"""pip installs the package offline (Debian's setuptools and wheel, no
index), with its pytest entry point, into a virtual environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_pip_install_offline(tmp_path: Path, db: str) -> None:
    src = Path(__file__).resolve().parent.parent
    copy = tmp_path / "python"  # pip writes build/ beside the sources
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns(
        "tests", "__pycache__", "_build.py", "build", "*.egg-info"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages",
                    str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PIP_NO_INDEX"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    pip = subprocess.run([str(venv / "bin" / "pip"), "install",
                          "--no-build-isolation", str(copy)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    code = (
        "import importlib.metadata as m, sys, otpbox\n"
        "assert otpbox.__file__.startswith(sys.prefix), otpbox.__file__\n"
        "eps = [e.value for e in m.entry_points(group='pytest11')]\n"
        "assert 'otpbox.pytest_plugin' in eps, eps\n"
        "print(otpbox.wait_for_otp('pip@x.test', timeout=5, db=sys.argv[1]))"
    )
    from conftest import store_code
    store_code(db, "pip@x.test", "808080")
    run = subprocess.run([str(venv / "bin" / "python"), "-c", code, db],
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "808080"
    # The entry point loads the plugin; -p naming it as well is harmless.
    (tmp_path / "test_inner.py").write_text(
        "def test_address(otpbox_address):\n"
        "    assert otpbox_address.endswith('@bots.example')\n")
    for extra in ([], ["-p", "otpbox.pytest_plugin"]):
        run = subprocess.run([str(venv / "bin" / "python"), "-m", "pytest",
                              "-p", "no:cacheprovider", *extra,
                              "--otpbox-domain=bots.example",
                              str(tmp_path / "test_inner.py")],
                             env=env, capture_output=True, text=True,
                             timeout=120, cwd=tmp_path)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "1 passed" in run.stdout
