"""The one catalogue of user-facing errors.

Each error carries an exit code and a message that says what to do next. The CLI
prints ``error: <message>`` and exits with the code; no traceback reaches the user.
"""

from __future__ import annotations

import re

# C0 and C1 control characters and DEL: a newline or an ESC sequence in a file name must not
# break a one-line message or drive the terminal.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# Documented exit codes (README, `pipeline --help`).
EXIT_OK = 0
EXIT_USAGE = 1  # bad usage, bad config, model not found
EXIT_PARTIAL = 2  # some input unusable, the rest went through
EXIT_UNFAITHFUL = 3  # `pipeline evaluate --min-support` not met
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, the shell's convention); finished stages are kept


def terminal_safe(text: str) -> str:
    """Text from input made safe to print with rich: control characters shown as escapes
    (``\\n``, ``\\x1b``) and markup such as ``[/]`` escaped, so it prints as it is."""
    from rich.markup import escape  # rich is the CLI's; the errors themselves do not need it

    return escape(_CONTROL_CHARS.sub(lambda found: found.group().encode("unicode_escape").decode(), text))


class PipelineError(Exception):
    """An error the user can fix; ``str(err)`` is the whole one-line message."""

    exit_code = EXIT_USAGE


class ConfigError(PipelineError):
    def __init__(self, source: str, key: str, problem: str, allowed: str | None = None):
        where = f"{source}: " if source else ""
        hint = f" (allowed: {allowed})" if allowed else ""
        super().__init__(f"{where}`{key}` {problem}{hint}")
        self.key = key


class UsageError(PipelineError):
    pass


class NoInputError(PipelineError):
    """Nothing to digest: no input file found, or ``skipped`` (one reason per file) holds them all."""

    def __init__(self, paths: list[str], skipped: list[str] | None = None):
        if skipped:
            shown = "; ".join(skipped[:3]) + (f"; and {len(skipped) - 3} more" if len(skipped) > 3 else "")
            found = f"no usable input document in {', '.join(paths)}: every one was skipped ({shown})"
        else:
            found = "no input documents found in " + ", ".join(paths)
        super().__init__(found + "; pass files or folders holding *.txt, *.md or *.jsonl")


class ModelNotFoundError(PipelineError):
    def __init__(self, lang: str, model_id: str, key: str, detail: str = ""):
        because = f": {detail.rstrip('. ')}" if detail else ""
        super().__init__(
            f"model for `{lang}` ({key}: {model_id}) could not be loaded{because}. "
            f"Fetch it once with `pipeline models --download` (needs the Hugging Face hub), "
            f"then run with HF_HUB_OFFLINE=1 to use the local cache, "
            f"or point to a local copy with `--model {lang}=/path/to/model-dir`"
        )
        self.lang = lang


class DeviceError(PipelineError):
    def __init__(self, requested: str, library: str = "torch"):
        super().__init__(
            f"device `{requested}` was asked for but {library} sees no CUDA GPU; "
            f"use `--device cpu` or `--device auto`, or install a CUDA build of {library} (see README)"
        )


class BackendMissingError(PipelineError):
    def __init__(self, backend: str, package: str):
        super().__init__(
            f"a model's `backend` is {backend}, but the {package} package is not installed; "
            f"install it with `pip install {package}`, "
            "or set `backend: transformers` for that model in models.yaml"
        )


class ConversionError(PipelineError):
    def __init__(self, lang: str, model_id: str, detail: str, fix: str = ""):
        fix = fix or "Check that it loads with `backend: transformers`, then run `pipeline models --convert` again"
        super().__init__(
            f"could not convert the model for `{lang}` ({model_id}) to CTranslate2: {detail.rstrip('. ')}. {fix}"
        )
        self.lang = lang


class BackendLoadError(PipelineError):
    def __init__(self, lang: str, model_id: str, device: str, folder: str, detail: str):
        super().__init__(
            f"CTranslate2 could not load the converted model for `{lang}` ({model_id}) on {device}: "
            f"{detail.rstrip('. ')}. Remove {folder} to convert it again, run with `--device cpu`, "
            "or set `backend: transformers` for that model"
        )
        self.lang = lang


class RunDirError(PipelineError):
    pass


class StageNotRunError(PipelineError):
    def __init__(self, run_dir: str, stage: str):
        super().__init__(
            f"stage `{stage}` has no finished artifacts in {run_dir}; "
            f"run `pipeline run INPUT --out {run_dir} --until {stage}` first"
        )


class DigestError(PipelineError):
    pass


class ModelDownloadError(PipelineError):
    def __init__(self, lang: str, model_id: str, revision: str, detail: str):
        super().__init__(
            f"could not download the model for `{lang}` ({model_id} at revision {revision}): {detail}. "
            "`pipeline models --download` needs the Hugging Face hub (unset HF_HUB_OFFLINE, check the network); "
            f"elsewhere, copy the model folder here and use `--model {lang}=/path/to/model-dir`"
        )
        self.lang = lang
