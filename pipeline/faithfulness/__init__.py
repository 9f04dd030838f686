"""Faithfulness of a digest to its sources: support checkers, citation checks, perturbations."""
