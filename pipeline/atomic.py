"""The one way the pipeline replaces a file: readers see the old file or the new, never half."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to a temporary file beside ``path``, then rename it over ``path``.

    The temporary name is unique to this call, so concurrent writers never share one, and it is
    removed when writing fails. Not ``tempfile.mkstemp``: its files are private (0600), while
    a digest should get the user's usual permissions."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
