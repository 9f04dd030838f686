"""Multilingual news digest: French reports in, an English digest with exact citations out."""

__version__ = "0.1.0"
