"""The fast attribute renderer (issue 12) writes exactly what WTForms' own would, hostile
values included, so swapping it in changes no page."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from casework.web.form_base import _WTFORMS_HTML_PARAMS, html_params

HOSTILE = ['"><script>alert(1)</script>', "a'b", "x&y", "<", "'\"", "", "Айгүл \"Ақ\"",
           "\u202e", Markup("<b>kept</b>"), 0, 12, 3.5, None, "a\nb"]


@pytest.mark.parametrize("value", HOSTILE)
def test_same_markup_for_every_value(value):
    kwargs = {"value": value, "id": "f", "class_": "c", "data_x_y": value, "aria_label": value,
              "required": True, "disabled": False}
    assert html_params(**kwargs) == _WTFORMS_HTML_PARAMS(**kwargs)
    assert isinstance(html_params(**kwargs), Markup)


def test_keys_and_order_are_wtforms_own():
    assert html_params(name="text1", id="f", class_="text") == 'class="text" id="f" name="text1"'
    assert html_params(checked=True, readonly=False, abc="hello") == 'abc="hello" checked'
    assert html_params() == ""

