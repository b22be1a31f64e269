"""``parse_template``: a template from its text form, a path, a list of strings or itself."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import InvalidParameterError, InvalidTypeError
from .checks import PATTERN_CHARS, check_pattern, forms
from .kinds import ListTemplate, PatternTemplate, PhoneTemplate, RandomTemplate, Template

__all__ = ["parse_template"]


def parse_template(template: Any) -> Template:
    """Turn a template specification into a :class:`Template`.

    Parameters
    ----------
    template:
        A :class:`Template`; a string ``phone``, ``phone:FORMAT``,
        ``random:MIN-MAX`` (or ``random:N``), a pattern like ``0##-####-####``,
        ``file:PATH``, or the path of an existing text file; a
        :class:`os.PathLike` to a text file; or a list of strings.

    Raises
    ------
    InvalidParameterError, InvalidTypeError
        The message names the bad value and lists the accepted forms.
    """
    if isinstance(template, Template):
        return template
    if isinstance(template, os.PathLike):
        return ListTemplate.from_file(template)
    if isinstance(template, (list, tuple)):
        return ListTemplate(template)
    if not isinstance(template, str):
        raise InvalidTypeError(
            f"template={template!r}: expected {forms()}", param="template", value=template
        )
    spec = template.strip()
    head, colon, rest = spec.partition(":")
    if head == "phone":
        return PhoneTemplate(rest if colon else "mobile")
    if head == "random" and colon:
        return _parse_random(spec, rest)
    if head == "file" and colon:
        return ListTemplate.from_file(rest)
    if spec and all(ch in PATTERN_CHARS for ch in template):
        return PatternTemplate(template)
    if spec and Path(spec).expanduser().is_file():
        return ListTemplate.from_file(spec)
    if spec and any(ch.isdigit() or ch == "#" for ch in spec) and len(spec) < 64:
        check_pattern(template)  # a pattern with a bad character: say which
    raise InvalidParameterError(
        f"template={template!r}: not a template; expected {forms()}",
        param="template",
        value=template,
    )


def _parse_random(spec: str, rest: str) -> RandomTemplate:
    low_text, dash, high_text = rest.partition("-")
    try:
        low = int(low_text)
        high = int(high_text) if dash else low
    except ValueError:
        raise InvalidParameterError(
            f"template={spec!r}: expected 'random:MIN-MAX' with integer lengths, "
            "e.g. 'random:4-12'",
            param="template",
            value=spec,
        ) from None
    return RandomTemplate(low, high)
