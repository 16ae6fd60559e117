"""The regions of the public register: Kazakhstan's 17 regions and 3 cities of republican
significance (2026), named in three languages, offered in each reader's alphabetical order."""

from __future__ import annotations

from certificates import regions


def test_seventeen_regions_and_three_cities_each_in_three_languages():
    assert len(regions.REGIONS) == 17 and len(regions.CITIES) == 3
    assert len(regions.BY_CODE) == 20  # codes are unique
    assert {r.en for r in regions.CITIES} == {"Astana", "Almaty", "Shymkent"}
    for region in regions.ALL:
        assert all(region.names.values()), region.code
    # The three regions formed in 2022 are there, in their official spellings.
    assert {regions.BY_CODE[c].kk for c in ("abai", "jetisu", "ulytau")} == {
        "Абай облысы",
        "Жетісу облысы",
        "Ұлытау облысы",
    }


def test_choices_put_the_cities_first_then_the_regions_in_the_readers_alphabet():
    kazakh = [name for _, name in regions.choices("kk")]
    assert kazakh[:3] == ["Астана", "Алматы", "Шымкент"]
    # Kazakh order: Ә after А, Қ after К (not after every Russian letter, as code points are).
    assert kazakh[3:8] == [
        "Абай облысы",
        "Ақмола облысы",
        "Ақтөбе облысы",
        "Алматы облысы",
        "Атырау облысы",
    ]
    assert kazakh[-3:] == ["Түркістан облысы", "Ұлытау облысы", "Шығыс Қазақстан облысы"]
    russian = [name for _, name in regions.choices("ru")]
    assert russian[3] == "Область Абай"  # under А, as people look for it
    assert russian.index("Область Жетісу") == russian.index("Жамбылская область") + 1
    english = [name for _, name in regions.choices("en")][3:]
    assert english == sorted(english)
    assert regions.region_name("almaty-region", "ru") == "Алматинская область"
    assert regions.region_name("unknown", "ru") == "unknown"
