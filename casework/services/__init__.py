"""Use cases: take a Session and collaborators explicitly, flush, never commit."""
