"""统一社会信用代码 (GB 32100-2015): 18 characters, a forbidden-letter-free alphabet and a mod-31 check character."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.credit_code import ALPHABET, WEIGHTS, check_character, checked_credit_code, make_credit_code
from domain.errors import InvalidCreditCode

# A social group (社会团体, authority 5, type 1) of 渝中区 (500103) with organization code MJP000123.
# Worked by hand with the standard's weights 3^i mod 31 and M=21, J=18, P=23:
#   5·1 + 1·3 + 5·9 + 1·26 + 3·17 + 21·20 + 18·29 + 23·25 + 1·10 + 2·30 + 3·28 = 1801
#   1801 mod 31 = 3, 31 − 3 = 28 → W
YUZHONG_SOCIAL_GROUP = "51500103MJP000123W"

# Codes printed on real business licences and in the standard's own example.
PUBLISHED_CODES = ["91350100M000100Y43", "9144030071526726XG", "91110000802100433B"]


def test_the_weights_are_the_powers_of_three_modulo_31() -> None:
    assert WEIGHTS == tuple(3**i % 31 for i in range(17))


def test_the_alphabet_leaves_out_i_o_s_v_z() -> None:
    assert len(ALPHABET) == 31
    assert not set("IOSVZ") & set(ALPHABET)


@pytest.mark.parametrize("kind", ["social_group", "private_non_enterprise", "foundation"])
def test_made_codes_pass_for_their_kind(kind: str) -> None:
    code = make_credit_code(kind, "500103", 42)

    assert checked_credit_code(code, kind) == code
    assert code.startswith("5" + {"social_group": "1", "private_non_enterprise": "2", "foundation": "3"}[kind])


def test_a_real_world_social_group_code_computed_by_hand_passes() -> None:
    assert check_character(YUZHONG_SOCIAL_GROUP[:17]) == "W"
    assert checked_credit_code(YUZHONG_SOCIAL_GROUP, "social_group") == YUZHONG_SOCIAL_GROUP


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_published_codes_pass_their_check(code: str) -> None:
    assert checked_credit_code(code) == code


def test_lower_case_and_surrounding_space_are_normalized() -> None:
    assert checked_credit_code("  " + YUZHONG_SOCIAL_GROUP.lower() + " ") == YUZHONG_SOCIAL_GROUP


@pytest.mark.parametrize("code", ["", "51500103MJP000123", "51500103MJP000123W0", "5150"])
def test_a_code_of_the_wrong_length_is_refused(code: str) -> None:
    with pytest.raises(InvalidCreditCode, match="18 characters"):
        checked_credit_code(code)


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_forbidden_letters_are_refused_and_named(letter: str) -> None:
    code = YUZHONG_SOCIAL_GROUP[:10] + letter + YUZHONG_SOCIAL_GROUP[11:]

    with pytest.raises(InvalidCreditCode, match=f"cannot contain {letter}"):
        checked_credit_code(code)


@pytest.mark.parametrize("wrong", [ch for ch in ALPHABET if ch != "W"])
def test_every_other_check_character_is_refused(wrong: str) -> None:
    with pytest.raises(InvalidCreditCode, match="fails its check character"):
        checked_credit_code(YUZHONG_SOCIAL_GROUP[:17] + wrong)


@given(position=st.integers(0, 16), replacement=st.sampled_from(ALPHABET))
def test_any_single_mistyped_character_is_caught(position: int, replacement: str) -> None:
    """The weights are coprime to 31, so one changed character always changes the check."""
    original = YUZHONG_SOCIAL_GROUP
    mistyped = original[:position] + replacement + original[position + 1 :]
    if mistyped == original:
        return
    with pytest.raises(InvalidCreditCode):
        checked_credit_code(mistyped)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (make_credit_code("foundation", "500103", 1), "social_group"),  # 53… is a foundation
        (make_credit_code("social_group", "500103", 1), "private_non_enterprise"),
        (PUBLISHED_CODES[0], "social_group"),  # 91… is an enterprise registered by market regulation
    ],
)
def test_a_valid_code_with_the_wrong_authority_or_type_is_refused_for_the_kind(code: str, kind: str) -> None:
    checked_credit_code(code)  # valid as a code

    with pytest.raises(InvalidCreditCode, match="starting 5"):
        checked_credit_code(code, kind)


def test_a_code_that_is_not_text_is_refused() -> None:
    with pytest.raises(InvalidCreditCode):
        checked_credit_code(515001030000001)  # type: ignore[arg-type]


def test_registering_with_an_enterprise_code_is_refused(story) -> None:
    with pytest.raises(InvalidCreditCode):
        story.register(on=date(2020, 3, 1), credit_code=PUBLISHED_CODES[1])

    assert story.app.organization_ids() == []
