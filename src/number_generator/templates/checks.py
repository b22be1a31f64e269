"""The text rules of a template: allowed characters, patterns, literal strings, the forms."""

from __future__ import annotations

from .._util.params import MAX_DIGITS
from .._util.text import SEPARATORS, allowed_separators, digits_of
from ..errors import InvalidParameterError
from .phone import PHONE_FORMATS

__all__ = ["PATTERN_CHARS", "check_literal", "check_pattern", "forms"]

#: Characters of a pattern: digits (literal), ``#`` (a random digit) and the separators.
PATTERN_CHARS = frozenset("0123456789#" + SEPARATORS)
_FORMS = (
    "'phone' or 'phone:FORMAT' (FORMAT one of {formats}), 'random:MIN-MAX', "
    "a pattern of digits, '#' (a random digit) and the separators {separators} "
    "such as '0##-####-####' or '#,###.##', or 'file:PATH' of a text file with one string "
    "per line"
)


def forms() -> str:
    """The accepted forms of a template, for error messages."""
    return _FORMS.format(formats=", ".join(PHONE_FORMATS), separators=allowed_separators())


def check_literal(text: str, where: str) -> None:
    """Raise ``InvalidParameterError`` unless ``text`` is digits and separators only.

    ``where`` says which string it is (``"item 3"``, ``"file:PATH, line 3"``).
    """
    bad = next((ch for ch in text if ch not in PATTERN_CHARS or ch == "#"), None)
    if bad is not None:
        raise InvalidParameterError(
            f"template: {where}: {text!r} holds {bad!r}; "
            f"allowed: digits 0-9 and the separators {allowed_separators()}",
            param="template",
            value=text,
        )
    try:
        digits = len(digits_of(text, f"template: {where}"))
    except InvalidParameterError as exc:  # digits_of names its own parameter: ours is template
        raise InvalidParameterError(str(exc), param="template", value=text) from None
    if digits > MAX_DIGITS:
        raise InvalidParameterError(
            f"template: {where}: {digits} digits is more than the maximum of {MAX_DIGITS}",
            param="template",
            value=text,
        )


def check_pattern(pattern: str) -> None:
    """Raise ``InvalidParameterError`` unless ``pattern`` is a valid pattern template."""
    bad = next((ch for ch in pattern if ch not in PATTERN_CHARS), None)
    if bad is not None:
        raise InvalidParameterError(
            f"template={pattern!r}: {bad!r} is not allowed in a pattern; expected {forms()}",
            param="template",
            value=pattern,
        )
    if pattern != pattern.strip(" "):
        raise InvalidParameterError(
            f"template={pattern!r}: a pattern must not start or end with a space",
            param="template",
            value=pattern,
        )
    digits = sum(ch not in SEPARATORS for ch in pattern)
    if digits == 0:
        raise InvalidParameterError(
            f"template={pattern!r}: a pattern needs at least one digit or '#'",
            param="template",
            value=pattern,
        )
    if digits > MAX_DIGITS:
        raise InvalidParameterError(
            f"template={pattern!r}: {digits} digits is more than the maximum of {MAX_DIGITS}",
            param="template",
            value=pattern,
        )
