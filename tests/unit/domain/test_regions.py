import pytest

from casework.domain.regions import region_of


@pytest.mark.parametrize(("typed", "region"), [
    (None, "unknown"), ("", "unknown"), ("  ", "unknown"),
    ("Kazakhstan", "central_asia"), ("Қазақстан", "central_asia"), ("казашка", "central_asia"),
    ("Uzbek", "central_asia"), ("Өзбекстан", "central_asia"),
    ("гражданка Узбекистана ", "central_asia"),
    ("Қазақстаннан", "central_asia"),
    ("Кыргызстан", "central_asia"), ("Tajik", "central_asia"), ("Russia", "eastern_europe"),
    ("Ресей", "eastern_europe"), ("Turkey", "western_asia"), ("Afghan", "southern_asia"),
    ("Китай", "eastern_asia"), ("Atlantis", "other"),
])
def test_nationality_to_region(typed, region) -> None:
    assert region_of(typed) == region
