__version__ = "0.1.0"
#: The distribution's name on PyPI (``pip install``); the import name is ``number_generator``.
#: ``number-generator`` on PyPI is an unrelated project.
DISTRIBUTION = "handwritten-digit-strings"
