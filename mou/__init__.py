"""Memorandum-of-Understanding terms as data, and pure checks over them (issue 6).

``mou.loader`` is the only module that parses; ``mou.checks`` decides; ``mou.diff``
compares versions. Standard library only (tomllib).
"""

from mou.checks import RULES, CheckResult, EntryFacts, PackageFacts, evaluate
from mou.loader import MouError, loads
from mou.terms import MouTerms

__all__ = ["RULES", "CheckResult", "EntryFacts", "MouError", "MouTerms", "PackageFacts",
           "evaluate", "loads"]
