"""MarianMT loading and generation, translation cache, translation memory, checks."""
