"""Non-regular files for the "never replace anything but a regular file" tests."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def make_null_device(path: Path) -> Path:
    """A private copy of the null device (``mknod -m 666 nulldev c 1 3``), never the real one."""
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return path


def make_fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def make_dir(path: Path) -> Path:
    path.mkdir()
    return path


def is_null_device(path: Path) -> bool:
    mode = path.lstat().st_mode
    return stat.S_ISCHR(mode) and path.lstat().st_rdev == os.makedev(1, 3)
