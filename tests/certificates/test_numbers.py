"""Certificate numbers: format, randomness, and the check symbol's guarantees."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates.numbers import (
    ALPHABET,
    CHECK_ALPHABET,
    NumberError,
    check_symbol,
    new_number,
    parse,
)

PREFIX = "KZM"


def _parts(number: str) -> tuple[str, str]:
    compact = number.replace("-", "")[len(PREFIX) :]
    return compact[:16], compact[16:]


def test_format_is_prefix_four_groups_and_a_check():
    number = new_number(PREFIX)
    prefix, *groups, check = number.split("-")
    assert prefix == PREFIX
    assert [len(g) for g in groups] == [4, 4, 4, 4]
    assert all(symbol in ALPHABET for symbol in "".join(groups))
    assert len(check) == 1 and check in CHECK_ALPHABET
    assert str(parse(number, PREFIX)) == number


def test_numbers_carry_80_random_bits():
    numbers = {new_number(PREFIX) for _ in range(2000)}
    assert len(numbers) == 2000
    # Every symbol position takes many values: the bits are spread over all 16 symbols.
    for position in range(16):
        assert len({_parts(n)[0][position] for n in numbers}) > 20


def test_check_symbol_uses_crockfords_mod_37():
    body = "0000000000000001"
    assert check_symbol(body) == "1"
    assert check_symbol("00000000000000" + "1" + "5") == CHECK_ALPHABET[(32 + 5) % 37]
    assert check_symbol("0000000000000036"[:-2] + "14") == CHECK_ALPHABET[36]  # 36 -> "U"


def _random_bodies(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(16)) for _ in range(count)]


def test_every_single_symbol_error_is_caught():
    for body in _random_bodies(300):
        number = body + check_symbol(body)
        for position in range(17):
            alphabet = ALPHABET if position < 16 else CHECK_ALPHABET
            for symbol in alphabet:
                if symbol == number[position]:
                    continue
                typo = number[:position] + symbol + number[position + 1 :]
                with pytest.raises(NumberError) as caught:
                    parse(typo, PREFIX)
                assert caught.value.kind in {"check", "format"}


def test_every_adjacent_swap_is_caught():
    for body in _random_bodies(2000, seed=11):
        number = body + check_symbol(body)
        for position in range(16):
            a, b = number[position], number[position + 1]
            if a == b:
                continue
            swapped = number[:position] + b + a + number[position + 2 :]
            with pytest.raises(NumberError):
                parse(swapped, PREFIX)


@given(st.integers(min_value=0, max_value=2**80 - 1))
def test_any_value_round_trips(value):
    body = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(16)))
    number = parse(body + check_symbol(body), PREFIX)
    assert number.body == body


def test_typing_is_forgiving():
    number = new_number(PREFIX)
    body, check = _parts(number)
    canonical = str(parse(number, PREFIX))
    loose = [
        number.lower(),
        number.replace("-", ""),
        number.replace("-", " "),
        body + check,  # without the prefix
        f"  {PREFIX.lower()} {body[:8]} {body[8:]}{check}  ",
        number.replace("-", "\u2013"),  # an en dash from a word processor
    ]
    for text in loose:
        assert str(parse(text, PREFIX)) == canonical, text


def test_lookalike_letters_read_as_digits():
    body = "0011" + "A" * 12
    check = check_symbol(body)
    assert parse("OoIL" + "a" * 12 + check, PREFIX).body == body
    assert parse("0o1l" + "A" * 12 + check, PREFIX).body == body


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "KZM-1234",
        "KZM-" + "U" * 16 + "-0",
        "<script>",
        "x" * 10_000,
        "KZM-" + "!" * 17,
    ],
)
def test_not_a_number_is_a_format_error(text):
    with pytest.raises(NumberError) as caught:
        parse(text, PREFIX)
    assert caught.value.kind == "format"


def test_a_wrong_check_is_a_probable_typo():
    number = new_number(PREFIX)
    body, check = _parts(number)
    wrong = next(s for s in CHECK_ALPHABET if s != check)
    with pytest.raises(NumberError) as caught:
        parse(body + wrong, PREFIX)
    assert caught.value.kind == "check"
