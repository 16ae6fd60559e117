"""The regions a mediator in the public register may name: Kazakhstan's 17 regions and its
three cities of republican significance, as of 2026 (the regions of Abai, Jetisu and Ulytau
were formed in 2022). Names are data in the three languages, as the official Russian and
Kazakh names are written (proper names, not phrases for the translators); the stored value is
the code, so a renamed region keeps its entries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    code: str
    en: str
    ru: str
    kk: str

    def name(self, locale: str) -> str:
        return getattr(self, locale, None) or self.en

    @property
    def names(self) -> dict[str, str]:
        return {"en": self.en, "ru": self.ru, "kk": self.kk}


CITIES = (
    Region("astana", "Astana", "Астана", "Астана"),
    Region("almaty", "Almaty", "Алматы", "Алматы"),
    Region("shymkent", "Shymkent", "Шымкент", "Шымкент"),
)
REGIONS = (
    Region("abai", "Abai Region", "Область Абай", "Абай облысы"),
    Region("akmola", "Akmola Region", "Акмолинская область", "Ақмола облысы"),
    Region("aktobe", "Aktobe Region", "Актюбинская область", "Ақтөбе облысы"),
    Region("almaty-region", "Almaty Region", "Алматинская область", "Алматы облысы"),
    Region("atyrau", "Atyrau Region", "Атырауская область", "Атырау облысы"),
    Region(
        "east-kazakhstan",
        "East Kazakhstan Region",
        "Восточно-Казахстанская область",
        "Шығыс Қазақстан облысы",
    ),
    Region("jambyl", "Jambyl Region", "Жамбылская область", "Жамбыл облысы"),
    Region("jetisu", "Jetisu Region", "Область Жетісу", "Жетісу облысы"),
    Region("karaganda", "Karaganda Region", "Карагандинская область", "Қарағанды облысы"),
    Region("kostanay", "Kostanay Region", "Костанайская область", "Қостанай облысы"),
    Region("kyzylorda", "Kyzylorda Region", "Кызылординская область", "Қызылорда облысы"),
    Region("mangystau", "Mangystau Region", "Мангистауская область", "Маңғыстау облысы"),
    Region(
        "north-kazakhstan",
        "North Kazakhstan Region",
        "Северо-Казахстанская область",
        "Солтүстік Қазақстан облысы",
    ),
    Region("pavlodar", "Pavlodar Region", "Павлодарская область", "Павлодар облысы"),
    Region("turkistan", "Turkistan Region", "Туркестанская область", "Түркістан облысы"),
    Region("ulytau", "Ulytau Region", "Область Ұлытау", "Ұлытау облысы"),
    Region(
        "west-kazakhstan",
        "West Kazakhstan Region",
        "Западно-Казахстанская область",
        "Батыс Қазақстан облысы",
    ),
)
ALL = CITIES + REGIONS
BY_CODE = {region.code: region for region in ALL}


# The Kazakh alphabet (the Russian one is in it, in the same order): Ә after А, Қ after К...
_ALPHABET = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"


def _alphabetical(text: str) -> tuple[int, ...]:
    text = text.removeprefix("Область ")  # "Область Абай" is looked for under А
    return tuple(
        _ALPHABET.index(c) if c in _ALPHABET else len(_ALPHABET) + ord(c) for c in text.lower()
    )


def choices(locale: str) -> list[tuple[str, str]]:
    """The three cities first, then the regions in the reader's alphabetical order."""
    return [(r.code, r.name(locale)) for r in CITIES] + sorted(
        ((r.code, r.name(locale)) for r in REGIONS), key=lambda choice: _alphabetical(choice[1])
    )


def region_name(code: str, locale: str) -> str:
    region = BY_CODE.get(code)
    return region.name(locale) if region else code
