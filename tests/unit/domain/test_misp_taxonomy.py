"""The `thb` taxonomy loads in MISP (issue 15, item 4): it validates against the MISP
taxonomy format (machinetag.json as MISP's misp-taxonomies repository documents it:
required namespace, description, integer version and predicates; no other keys in a
predicate or an entry) and carries every tag Senim uses."""

from __future__ import annotations

import json

import jsonschema

from casework.domain import misp_taxonomy
from casework.domain.taxonomy import TAGS, is_known_tag

_TERM = {"type": "object", "additionalProperties": False, "required": ["value"],
         "properties": {"value": {"type": "string", "minLength": 1},
                        "expanded": {"type": "string"}, "description": {"type": "string"},
                        "numerical_value": {"type": "number"}, "colour": {"type": "string"}}}
_ENTRY = {**_TERM, "properties": {k: v for k, v in _TERM["properties"].items()
                                  if k != "colour"}}
MISP_TAXONOMY_FORMAT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["namespace", "description", "version", "predicates"],
    "properties": {
        "namespace": {"type": "string", "pattern": "^[a-z0-9-]+$"},
        "description": {"type": "string"},
        "expanded": {"type": "string"},
        "version": {"type": "integer"},
        "refs": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
        "type": {"type": "array", "items": {"enum": ["org", "user", "attribute", "event"]}},
        "predicates": {"type": "array", "uniqueItems": True, "items": _TERM},
        "values": {"type": "array", "uniqueItems": True, "items": {
            "type": "object", "additionalProperties": False, "required": ["predicate"],
            "properties": {"predicate": {"type": "string"},
                           "entry": {"type": "array", "uniqueItems": True, "items": _ENTRY}}}},
    },
}


def test_validates_against_the_misp_taxonomy_format() -> None:
    document = json.loads(json.dumps(misp_taxonomy.build()))
    jsonschema.validate(document, MISP_TAXONOMY_FORMAT)
    assert document["namespace"] == "thb"


def test_the_validator_rejects_what_misp_would() -> None:
    broken = misp_taxonomy.build()
    broken["predicates"][0]["uuid-of-our-own"] = "x"
    try:
        jsonschema.validate(broken, MISP_TAXONOMY_FORMAT)
    except jsonschema.ValidationError:
        return
    raise AssertionError("an unknown key in a predicate must be refused")


def test_every_tag_senim_uses_is_in_the_taxonomy() -> None:
    document = misp_taxonomy.build()
    predicates = {p["value"] for p in document["predicates"]}
    values = {v["predicate"]: {e["value"] for e in v["entry"]} for v in document["values"]}
    assert set(values) <= predicates
    for predicate, tags in TAGS.items():
        assert set(tags) == values[predicate]
        for tag in tags:
            assert is_known_tag(f"{predicate}:{tag}")
    assert {"entry-type", "source-evaluation", "intel-assessment", "handling"} <= predicates
