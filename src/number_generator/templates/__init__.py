"""Templates: which digit strings to draw.

A template is given as a string (or a :class:`Template` object):

``phone`` / ``phone:FORMAT``
    Japanese-style phone numbers of a format from :data:`~number_generator.PHONE_FORMATS`
    (default ``mobile``).
``random:MIN-MAX`` / ``random:N``
    Uniform random digit strings; the length is drawn uniformly from
    ``MIN..MAX``, then every digit uniformly from 0-9.
a pattern such as ``0##-####-####``
    ``#`` is a random digit; digits are literal; the separators ``-``, ``/``,
    space and the symbols ``. , + ( ) :`` are drawn (as pen strokes, a space
    as a wider gap) and kept in or dropped from the label by option: e.g.
    ``#,###.##``, ``+81 ##-####-####``, ``(0#) ####-####``, ``##:##``.
``file:PATH`` (or the path of an existing text file)
    One string per line (digits and separators); blank lines are skipped and
    each line is drawn with equal probability.

Labels are always strings, so leading zeros survive. With ``unique=True``
every string of a run is distinct (:meth:`Template.unique`): the strings are
the images of ``0, 1, 2 …`` under a keyed pseudo-random permutation, so any
shard of a big export computes its own strings without a global list.

Examples
--------
>>> import numpy as np
>>> t = parse_template("0##-####")
>>> t.sample(np.random.default_rng(0), 2)
['035-7889', '006-1885']
>>> t.capacity()
1000000
>>> parse_template("random:2-3").max_length
3
"""

from .kinds import (
    ListTemplate,
    PatternTemplate,
    PhoneTemplate,
    RandomTemplate,
    Template,
    label_of,
)
from .parse import parse_template
from .phone import PHONE_FORMATS, PhoneFormat
from .unique import UniqueStrings

__all__ = [
    "PHONE_FORMATS",
    "ListTemplate",
    "PatternTemplate",
    "PhoneFormat",
    "PhoneTemplate",
    "RandomTemplate",
    "Template",
    "UniqueStrings",
    "label_of",
    "parse_template",
]
