"""Text rules shared by every stage: digits, separators, and the words for on and off."""

from __future__ import annotations

from ..errors import InvalidParameterError

__all__ = [
    "ASCII_ZERO",
    "OFF_WORDS",
    "ON_WORDS",
    "SEPARATORS",
    "allowed_separators",
    "digits_of",
    "has_separators",
    "switch_word",
]

#: ``ord("0")``: digit characters minus this are the digits' values.
ASCII_ZERO = 48
#: The one list of drawable characters besides the digits: ``-``, ``/`` and the symbols
#: ``. , + ( ) :`` are drawn as pen strokes, a space as a gap (new ones go at the end:
#: the batch alphabet numbers them in this order).
SEPARATORS = "-/ .,+():"
#: Words that switch an option (such as ``augment``) on, and off; compared lower-cased.
ON_WORDS = frozenset({"1", "true", "yes", "on"})
OFF_WORDS = frozenset({"", "0", "false", "no", "off", "none"})

_SEPARATOR_SET = frozenset(SEPARATORS)
_DROP_SEPARATORS = str.maketrans("", "", SEPARATORS)


def switch_word(text: str) -> bool | None:
    """``True`` for an on word, ``False`` for an off word, ``None`` for anything else.

    Examples
    --------
    >>> switch_word(" Yes"), switch_word("off"), switch_word("medium")
    (True, False, None)
    """
    key = text.strip().lower()
    if key in ON_WORDS:
        return True
    if key in OFF_WORDS:
        return False
    return None


def allowed_separators() -> str:
    """The separators, quoted, for messages: ``'-', '/', ' ', '.', ...``."""
    return ", ".join(repr(ch) for ch in SEPARATORS)


def has_separators(text: str) -> bool:
    """Whether ``text`` holds any separator character."""
    return not _SEPARATOR_SET.isdisjoint(text)


def digits_of(text: str, name: str = "digits") -> str:
    """The digits of ``text``, separators removed; any other character is an error.

    Examples
    --------
    >>> digits_of("090-1234 5678")
    '09012345678'
    """
    digits = text.translate(_DROP_SEPARATORS)
    bad = next((ch for ch in digits if not "0" <= ch <= "9"), None)
    if bad is not None:
        raise InvalidParameterError(
            f"{name}={text!r}: {bad!r} is neither a digit nor a separator; "
            f"allowed: 0-9 and the separators {allowed_separators()}",
            param=name,
            value=text,
        )
    if not digits:
        raise InvalidParameterError(
            f"{name}={text!r}: holds no digit; give at least one digit", param=name, value=text
        )
    return digits
