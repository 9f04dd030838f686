"""A digest of the code behind a stage: its module and every project module it imports.

The runner puts this digest into each stage's fingerprint, so editing a stage, or any module
it uses directly or through others, redoes that stage on the next run; no hand-kept version
number has to be remembered. Imports are followed statically (``ast``), including those
inside functions, so lazily imported modules count too. Only modules of the stage's own top
package and of ``pipeline`` are followed: third-party code is covered by the package
versions in the manifest. The digest is taken over the parsed syntax tree, not the bytes,
so reformatting or editing comments does not throw away finished work.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import sys
from pathlib import Path

from pipeline import __version__

_PROJECT = "pipeline"


class CodeHasher:
    """Digests of modules' code, each source file parsed once per hasher (one per run)."""

    def __init__(self) -> None:
        self._parsed: dict[str, tuple[str, frozenset[str]] | None] = {}

    def digest(self, module: str) -> str:
        """Digest of ``module`` and its project imports, transitively, with the package version."""
        roots = {_PROJECT, module.split(".")[0]}
        parts = [f"pipeline=={__version__}"]
        parts.extend(f"{name}:{self._parse(name)[0]}" for name in sorted(self.closure(module, roots)))  # type: ignore[index]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]

    def closure(self, module: str, roots: set[str]) -> set[str]:
        """``module`` and every module of ``roots`` it imports, directly or not (parent packages too)."""
        seen: set[str] = set()
        pending = [module]
        while pending:
            name = pending.pop()
            if name in seen or self._parse(name) is None:
                continue
            seen.add(name)
            parent = name.rpartition(".")[0]
            if parent:  # importing a.b runs a/__init__.py first
                pending.append(parent)
            pending.extend(m for m in self._parse(name)[1] if m.split(".")[0] in roots)  # type: ignore[index]
        return seen

    def _parse(self, module: str) -> tuple[str, frozenset[str]] | None:
        """(digest of the syntax tree, modules it imports); None for a name that is no module with
        source (``from m import x`` where x is a function, a namespace package)."""
        if module not in self._parsed:
            path = _source_path(module)
            if path is None:
                self._parsed[module] = None
            else:
                tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
                digest = hashlib.sha256(ast.dump(tree).encode()).hexdigest()
                self._parsed[module] = (digest, frozenset(_imports(tree, module, path.name == "__init__.py")))
        return self._parsed[module]


def _source_path(module: str) -> Path | None:
    loaded = sys.modules.get(module)
    origin = getattr(loaded, "__file__", None) if loaded is not None else None
    if origin is None:
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            return None
        origin = spec.origin if spec is not None else None
    if origin is None or not origin.endswith(".py"):
        return None
    return Path(origin)


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Names that the import statements of ``tree`` may load as modules; ``from m import x`` names
    both ``m`` and ``m.x`` (a module only when x is a submodule: ``_parse`` drops it otherwise)."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            relative = "." * node.level + (node.module or "")
            base = importlib.util.resolve_name(relative, package) if node.level else relative
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return found
