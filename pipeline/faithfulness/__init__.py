"""Faithfulness of a digest to its sources: support checkers, citation checks, and the evaluation that applies them."""
