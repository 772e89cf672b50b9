"""The pager's counts (issue 12): the fast ``number`` filter writes exactly what
Flask-Babel's ``format_number`` writes, in every language of the interface."""

from __future__ import annotations

import random
from decimal import Decimal

from flask import render_template_string
from flask_babel import force_locale, format_number

from casework.config import LANGUAGES
from casework.web.numbers import format_count

NUMBERS = [0, 1, 7, 999, 1000, 1001, 9999, 10000, 2310, 99999, 100000, 123456, 1000000,
           -1, -999, -1000, -1234567, 10**15, -(10**15)]
NUMBERS += random.Random(12).sample(range(-10**9, 10**9), 500)


def test_whole_numbers_match_babel_in_every_language(app):
    with app.test_request_context("/"):
        for language in LANGUAGES:
            with force_locale(language):
                for number in NUMBERS:
                    assert format_count(number) == format_number(number), (language, number)


def test_other_numbers_still_go_through_babel(app):
    with app.test_request_context("/"), force_locale("ru"):
        for value in (Decimal("1234.5"), 1234.5, Decimal("-0.25")):
            assert format_count(value) == format_number(value)


def test_the_template_filter_is_the_fast_one(app):
    with app.test_request_context("/"):
        with force_locale("kk"):
            assert render_template_string("{{ 2310|number }}") == "2\xa0310"
        with force_locale("en"):
            assert render_template_string("{{ 2310|number }}") == "2,310"
