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



# --- Options of a select (form_base.render_option) ------------------------------------------

from flask_babel.speaklater import LazyString  # noqa: E402
from wtforms.fields.choices import Choice  # noqa: E402

from casework.web.form_base import _WTFORMS_RENDER_OPTION, render_option  # noqa: E402


def _lazy(text):
    return LazyString(lambda: text)


@pytest.mark.parametrize("selected", [True, False])
@pytest.mark.parametrize("label", [*HOSTILE, _lazy('"><i>'), _lazy("Қызмет & <b>")])
@pytest.mark.parametrize("value", ["", "x", '"><s>', True, False, 0, 7, None, "Ақ 'b'"])
def test_an_option_is_wtforms_own_markup(value, label, selected):
    choice = Choice(value=value, label=label, selected=selected, render_kw={})
    expected = _WTFORMS_RENDER_OPTION(choice)
    assert render_option(choice) == expected
    assert isinstance(render_option(choice), Markup)


@pytest.mark.parametrize("render_kw", [{"disabled": True}, {"data_x": '"<>'}])
def test_an_option_with_attributes_of_its_own_is_drawn_by_wtforms(render_kw):
    choice = Choice(value="v", label="L", selected=True, render_kw=render_kw)
    assert render_option(choice) == _WTFORMS_RENDER_OPTION(choice)
    assert render_option(choice, class_="c") == _WTFORMS_RENDER_OPTION(choice, class_="c")
