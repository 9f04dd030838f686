"""Faithfulness of a digest to its sources: support checkers and citation checks."""
