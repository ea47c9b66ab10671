"""File storage that never leaves half a file: a write that fails (a full disk, a quota) removes what it wrote and
raises `StorageFailed` with a message a user can read; callers turn it into the form's or the import's error."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

# The disk or the quota is full, or the file is larger than the process may write.
FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class StorageFailed(Exception):
    """The server could not write the file; nothing of it is kept."""

    def __init__(self, full: bool) -> None:
        self.full = full
        super().__init__(
            _("The server has no space left to store the file; nothing was saved. Please tell the administrator.")
            if full
            else _("The server could not store the file; nothing was saved. Please try again.")
        )


class SafeFileSystemStorage(FileSystemStorage):
    """Django's FileSystemStorage, except that a failed write removes its partial file (Django's leaves it)."""

    def _save(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        existed = os.path.exists(full_path)  # another file of that name is never ours to remove
        try:
            return super()._save(name, content)
        except OSError as exc:
            log.error("could not store %s: %s", full_path, exc)
            if not existed:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(full_path)
            raise StorageFailed(exc.errno in FULL) from exc
