"""How images are drawn: one :class:`RenderOptions`, checked once, used by every entry point."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from .._util.params import (
    DEFAULT_SPACING_RANGE,
    FITS,
    MAX_DIGITS,
    SPACING_MODES,
    check_choice,
    check_flag,
    check_height,
    check_legible,
    check_spacing,
    check_strip,
    check_width,
    legible_capacity,
    strip_capacity,
)
from ..datasets.writers import check_writer

if TYPE_CHECKING:
    from ..augment import Pipeline
    from ..templates import Template

__all__ = ["RenderOptions"]


@dataclass(frozen=True)
class RenderOptions:
    """The drawing options every entry point shares, validated when the object is made.

    Parameters
    ----------
    spacing_range:
        ``(min, max)`` pixels of paper between neighbouring digits' ink.
    image_width:
        Output width in pixels; ``None`` keeps the strip's natural width.
    image_height:
        Output height in pixels.
    fit:
        ``"pad"`` or ``"stretch"`` (see :meth:`SequenceGenerator.render`).
    augment:
        Anything :func:`~number_generator.augment.resolve_augment` accepts;
        kept as given (a preset name stays a name, so options pickle and print).
    keep_separators:
        Keep the separators and symbols (``-/.,+():`` and spaces) in labels
        (they are drawn either way).
    writer:
        ``"any"``: each digit from any writer; ``"same"``: every digit of a
        string from one writer's hand (see :mod:`number_generator.datasets.writers`).
    spacing_mode:
        How a gap is measured: ``"ink"`` (default) between the glyphs' ink
        bounding columns; ``"contour"`` row by row between their inks, so
        digits tuck together and a gap of 0 makes strokes touch (see
        :mod:`number_generator.compose.spacing`).

    Raises
    ------
    InvalidParameterError, InvalidTypeError
        For any value outside what is allowed, naming the parameter.

    Examples
    --------
    >>> options = RenderOptions((2, 8), 280, fit="pad", augment="light")
    >>> options.spacing_range, options.pipeline.name
    ((2, 8), 'light')
    """

    spacing_range: tuple[int, int] = DEFAULT_SPACING_RANGE
    image_width: int | None = None
    image_height: int = 28
    fit: str = "pad"
    augment: Any = None
    keep_separators: bool = False
    writer: str = "any"
    spacing_mode: str = "ink"
    #: Set from the others: whether glyphs go side by side without overlap and centred
    #: (ink spacing, no negative gap, ``fit="pad"``): the case the fast placements handle
    #: (:func:`.layout.place_stored`, :func:`.layout.place_stack`, :mod:`.batch`).
    side_by_side: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        height = check_height(self.image_height)
        checked = {
            "image_height": height,
            "spacing_range": check_spacing(self.spacing_range, height),
            "image_width": check_width(self.image_width),
            "fit": check_choice(self.fit, "fit", FITS),
            "keep_separators": check_flag(self.keep_separators, "keep_separators"),
            "writer": check_writer(self.writer),
            "spacing_mode": check_choice(self.spacing_mode, "spacing_mode", SPACING_MODES),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        resolve_pipeline(self.augment)
        side_by_side = self.spacing_mode == "ink" and self.spacing_range[0] >= 0
        object.__setattr__(self, "side_by_side", side_by_side and self.fit == "pad")

    @property
    def pipeline(self) -> Pipeline | None:
        """The augmentation as a :class:`Pipeline`, or ``None`` for none."""
        return resolve_pipeline(self.augment)

    def check_template(self, template: Template) -> None:
        """Refuse options under which ``template``'s longest string could not be drawn.

        The strip-size and legible-width limits, checked once for a whole stream
        or export instead of failing at the first long string.
        """
        check_strip(template.max_length, self.image_height, self.spacing_range, "characters")
        check_legible(template.max_label_length(keep_separators=False), self.image_width)

    def check_string(self, digits: int, characters: int | None = None) -> None:
        """Refuse a string of ``digits`` digits (``characters`` in all, when it holds
        separators) that is too long for these options: the strip-size and legible-width
        limits (:func:`~number_generator._util.params.check_strip`, ``check_legible``)."""
        count = digits if characters is None else characters
        most_characters, most_digits = self._most
        if count > most_characters or digits > most_digits:
            what = "digits" if characters is None else "characters"
            check_strip(count, self.image_height, self.spacing_range, what)
            check_legible(digits, self.image_width)

    @cached_property
    def _most(self) -> tuple[int, int]:
        """The longest strings :meth:`check_string` lets through: characters, digits."""
        width = self.image_width
        most_digits = MAX_DIGITS if width is None else legible_capacity(width)
        return strip_capacity(self.image_height, self.spacing_range[1]), most_digits

    def replace(self, **changes: Any) -> RenderOptions:
        """A copy with ``changes`` applied, checked again."""
        return replace(self, **changes)

    @classmethod
    def reuse(
        cls,
        spacing_range: Any = DEFAULT_SPACING_RANGE,
        image_width: Any = None,
        image_height: Any = 28,
        fit: Any = "pad",
        augment: Any = None,
        keep_separators: Any = False,
        writer: Any = "any",
        spacing_mode: Any = "ink",
    ) -> RenderOptions:
        """Options as the constructor makes them, reusing an earlier check of the same values.

        For calls that draw one image each (``render``, the module function):
        plain values (a pair of ``int``, ``int`` or ``None``, ``int``, ``str``,
        ``None``/``bool``/``str``, ``bool``, ``str``) are checked once per distinct set
        and the frozen result is shared; anything else is checked afresh. Bad
        values raise every time.
        """
        args = (
            spacing_range,
            image_width,
            image_height,
            fit,
            augment,
            keep_separators,
            writer,
            spacing_mode,
        )
        if cls is RenderOptions and _plain(*args):
            return _reused(*args)
        return cls(*args)


def _plain(
    spacing_range: Any,
    image_width: Any,
    image_height: Any,
    fit: Any,
    augment: Any,
    flag: Any,
    writer: Any,
    spacing_mode: Any,
) -> bool:
    """Whether the values have exact builtin types, so equal values mean equal options."""
    return (
        type(spacing_range) is tuple
        and len(spacing_range) == 2
        and type(spacing_range[0]) is int
        and type(spacing_range[1]) is int
        and (image_width is None or type(image_width) is int)
        and type(image_height) is int
        and type(fit) is str
        and (augment is None or type(augment) in (bool, str))
        and type(flag) is bool
        and type(writer) is str
        and type(spacing_mode) is str
    )


def resolve_pipeline(augment: Any) -> Pipeline | None:
    """:func:`~number_generator.augment.resolve_augment`, loading the augmentation only when
    ``augment`` asks for some (``None`` and ``False`` mean none, without importing it)."""
    if augment is None or augment is False:
        return None
    from ..augment import resolve_augment

    return resolve_augment(augment)


@lru_cache(maxsize=256)
def _reused(*args: Any) -> RenderOptions:
    return RenderOptions(*args)
