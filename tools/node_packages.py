"""npm packages the tests and tools run for real, installed on first use.

dynalite (a DynamoDB implementation) and apl-suggester (Amazon's APL validator)
are pinned in ``tools/node/package.json``. The first test or tool that needs
one runs ``npm install`` there (a few seconds; node_modules/ is git-ignored);
later runs reuse it until package.json changes. Without node or npm, or when
the install fails, ``require`` raises ``Unavailable`` saying why, and the tests
that need it skip with that reason.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess

FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")
MODULES = os.path.join(FOLDER, "node_modules")
_STAMP = os.path.join(FOLDER, ".installed")
_LOCK = os.path.join(FOLDER, ".install.lock")
INSTALL_TIMEOUT = 300


class Unavailable(RuntimeError):
    """An npm package cannot be had on this machine (the message says why)."""


def node() -> str:
    path = shutil.which("node")
    if path is None:
        raise Unavailable("node is not installed (apt-get install nodejs npm)")
    return path


def _wanted() -> str:
    with open(os.path.join(FOLDER, "package.json"), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _installed() -> bool:
    try:
        with open(_STAMP, encoding="utf-8") as f:
            return f.read().strip() == _wanted()
    except OSError:
        return False


_failed: list = []  # an install that failed in this process is not tried again


def install() -> str:
    """Install what package.json pins, once (processes wait for each other); returns node_modules."""
    node()
    if _installed():
        return MODULES
    if _failed:
        raise _failed[0]
    try:
        return _install()
    except Unavailable as why:
        _failed.append(why)
        raise


def _install() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise Unavailable("npm is not installed (apt-get install npm)")
    with open(_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed():
            return MODULES
        try:
            out = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--no-package-lock",
                                  "--omit=dev", "--loglevel=error"], cwd=FOLDER, capture_output=True,
                                 text=True, timeout=INSTALL_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise Unavailable("npm install in {} failed: {}".format(FOLDER, error)) from error
        if out.returncode != 0:
            raise Unavailable("npm install in {} failed: {}".format(FOLDER, (out.stderr or out.stdout)[-500:]))
        with open(_STAMP, "w", encoding="utf-8") as f:
            f.write(_wanted())
    return MODULES


def require(name: str) -> str:
    """The folder of an installed npm package (installing the pinned set if needed)."""
    folder = os.path.join(install(), name)
    if not os.path.isdir(folder):
        raise Unavailable("{} is not in tools/node/package.json".format(name))
    return folder
