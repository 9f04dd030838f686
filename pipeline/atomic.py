"""The one way the pipeline replaces a file: readers see the old file or the new, never half."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path


def write_atomic(path: Path, text: str) -> str:
    """Write ``text`` (UTF-8) to a temporary file beside ``path``, then rename it over ``path``;
    the sha256 of the bytes written.

    The temporary name is unique to this call, so concurrent writers never share one, and it is
    removed when writing fails. Not ``tempfile.mkstemp``: its files are private (0600), while
    a digest should get the user's usual permissions."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        data = text.encode("utf-8")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return hashlib.sha256(data).hexdigest()
