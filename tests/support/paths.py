"""Where the seed texts and their translation memory live."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
SEED_MEMORY = SEEDS / "seeds_en.tmx"
FIXTURES = ROOT / "tests" / "fixtures"
DEV_CORPUS = ROOT.parent / "shared" / "dev-corpus"
