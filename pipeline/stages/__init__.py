"""Pipeline stages; each module exposes ``VERSION`` and ``run(ctx) -> StageOutput``."""
