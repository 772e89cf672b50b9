"""Intelligence tags are ``predicate:value`` from a closed vocabulary."""

from __future__ import annotations

import pytest

from casework.domain.taxonomy import (
    DEFAULT_SOURCE_EVALUATION,
    TAGS,
    THEMATIC_PLACE,
    THEMATIC_TIME,
    Granularity,
    SourceEvaluation,
    is_known_tag,
)


@pytest.mark.parametrize(("tag", "known"), [
    pytest.param("phase:transit", True, id="phase"),
    pytest.param("phase:re-trafficking", True, id="hyphenated-value"),
    pytest.param("exploitation-type:forced-labour", True, id="exploitation-type"),
    pytest.param("means-of-control:debt-bondage", True, id="means-of-control"),
    pytest.param("recruitment-method:online-advertisement", True, id="recruitment-method"),
    pytest.param("documents:none", True, id="documents-none"),
    pytest.param("indicator:deceptive-recruitment", True, id="indicator"),
    pytest.param("exploitation-type:other", True, id="other-under-exploitation"),
    pytest.param("means-of-control:other", True, id="other-under-means"),
    pytest.param("phase:other", False, id="other-not-under-phase"),
    pytest.param("phase:forced-labour", False, id="value-of-another-predicate"),
    pytest.param("colour:red", False, id="unknown-predicate"),
    pytest.param("phase", False, id="no-colon"),
    pytest.param("phase:", False, id="empty-value"),
    pytest.param(":transit", False, id="empty-predicate"),
    pytest.param("", False, id="empty"),
    pytest.param("transit", False, id="bare-value"),
    pytest.param("Phase:transit", False, id="predicate-case-sensitive"),
    pytest.param("phase:Transit", False, id="value-case-sensitive"),
    pytest.param("phase: transit", False, id="no-whitespace-tolerance"),
    pytest.param("phase:transit:extra", False, id="second-colon-part-of-value"),
    pytest.param("indicator:deceptive_recruitment", False, id="underscore-not-hyphen"),
])
def test_is_known_tag(tag, known):
    assert is_known_tag(tag) is known


def test_every_vocabulary_entry_is_a_known_tag():
    for predicate, values in TAGS.items():
        for value in values:
            assert is_known_tag(f"{predicate}:{value}"), (predicate, value)


def test_thematic_granularity_is_coarse_only():
    assert frozenset({Granularity.YEAR, Granularity.MONTH}) == THEMATIC_TIME
    assert frozenset({Granularity.COUNTRY, Granularity.REGION}) == THEMATIC_PLACE


def test_sources_start_untested():
    assert DEFAULT_SOURCE_EVALUATION is SourceEvaluation.UNTESTED
