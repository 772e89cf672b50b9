"""Memorandum-of-Understanding terms as data, and pure checks over them (issue 6)."""
