"""Macro imports take the macro file's cached module when the importer brings no global the
macro file lacks, and Jinja's own path otherwise (casework/web/template_class.py)."""

from __future__ import annotations

import jinja2

from casework.web.template_class import Template


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.DictLoader({
        "m.html": "{% macro hi() %}hi {{ who | default('nobody') }}{% endmacro %}",
        "page.html": '{% from "m.html" import hi %}[{{ hi() }}]',
    }), autoescape=True)
    env.template_class = Template
    return env


def test_an_import_renders_as_jinja_renders_it_and_reuses_the_module():
    env = _env()
    page = env.get_template("page.html")
    assert isinstance(page, Template)
    assert page.render() == "[hi nobody]"
    macros = env.get_template("m.html")
    first = macros._get_default_module(page.new_context())
    assert macros._get_default_module(page.new_context()) is first  # cached, not rebuilt


def test_a_global_of_the_importer_reaches_the_macro_as_in_jinja():
    env = _env()
    page = env.get_template("page.html", globals={"who": "Aigerim"})
    assert page.render() == "[hi Aigerim]"
    plain = jinja2.Environment(loader=env.loader, autoescape=True)
    assert plain.get_template("page.html", globals={"who": "Aigerim"}).render() == \
        "[hi Aigerim]"


def test_the_app_loads_its_templates_with_this_class(app):
    with app.test_request_context("/"):
        assert isinstance(app.jinja_env.get_template("base.html"), Template)
