"""Coarse place names that a thematic entry may use (countries, regions, large cities).

They are too large to point at anyone, so the identifier check does not flag them even
when a person's own record mentions the same city. Names are given in normalised form
(``crypto.normalise_name`` output), so Cyrillic and Latin spellings both match.
"""

from __future__ import annotations

COARSE_PLACES = frozenset({
    # Central Asia and neighbours
    "kazakhstan", "kazakstan", "kirgizstan", "kirgizia", "kyrgyzstan", "uzbekistan",
    "tajikistan", "turkmenistan", "rosia", "rossia", "russia", "kitai", "china", "turkia",
    "turkey", "emirates", "oae", "uae", "korea", "afganistan",
    # Kazakhstan's regions and main cities
    "almati", "astana", "shimkent", "karaganda", "aktobe", "atirau", "aktau", "mangistau",
    "pavlodar", "oskemen", "semei", "kostanai", "kizilorda", "taraz", "jambil", "turkestan",
    "petropavl", "kokshetau", "taldikorgan", "jetisu", "abai", "ulitau", "akmola", "oblis",
    "oblast", "region", "kala", "gorod", "city",
    # neighbouring capitals often named in routes
    "bishkek", "tashkent", "dushanbe", "ashgabat", "moskva", "moscow", "dubai", "istanbul",
})
