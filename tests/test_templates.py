"""Templates (phone, random:MIN-MAX, patterns, files), unique sampling, separators drawn."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import number_generator
from number_generator import (
    PHONE_FORMATS,
    InvalidParameterError,
    InvalidTypeError,
    NumberGeneratorError,
    SequenceGenerator,
    Template,
    parse_template,
)
from number_generator._util.params import MAX_DIGITS
from number_generator.templates import (
    ListTemplate,
    PatternTemplate,
    PhoneTemplate,
    RandomTemplate,
    label_of,
)
from number_generator.templates.kinds import MAX_FILE_BYTES, MAX_LINE_CHARS
from number_generator.templates.unique import _allocate, _Permutation


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("spec", "kind", "pattern"),
    [
        ("phone", PhoneTemplate, r"0[789]0\d{8}"),
        ("phone:toll_free", PhoneTemplate, r"0120\d{6}"),
        ("phone:landline", PhoneTemplate, r"0[1-9][1-9]\d{7}"),
        ("random:2-5", RandomTemplate, r"\d{2,5}"),
        ("random:7", RandomTemplate, r"\d{7}"),
        ("0##-####-####", PatternTemplate, r"0\d\d-\d{4}-\d{4}"),
        ("####-####-####-####", PatternTemplate, r"(\d{4}-){3}\d{4}"),
        ("##/## ##", PatternTemplate, r"\d\d/\d\d \d\d"),
        ("0120", PatternTemplate, r"0120"),
    ],
    ids=lambda v: v if isinstance(v, str) and "\\" not in v else None,
)
def test_forms_draw_matching_strings(spec: str, kind: type, pattern: str) -> None:
    template = parse_template(spec)
    assert isinstance(template, kind)
    strings = template.sample(rng(), 300)
    assert len(strings) == 300
    assert all(isinstance(s, str) and re.fullmatch(pattern, s) for s in strings), strings[:5]
    assert template.sample(rng(5), 50) == template.sample(rng(5), 50)


def test_random_lengths_are_uniform() -> None:
    lengths = [len(s) for s in parse_template("random:1-4").sample(rng(), 4000)]
    counts = np.bincount(lengths, minlength=5)[1:]
    assert np.all(np.abs(counts - 1000) < 150), counts


def test_pattern_digits_are_uniform() -> None:
    strings = parse_template("#").sample(rng(), 5000)
    counts = np.bincount([int(s) for s in strings], minlength=10)
    assert np.all(np.abs(counts - 500) < 100), counts


def test_file_templates(tmp_path: Path) -> None:
    file = tmp_path / "numbers.txt"
    file.write_text("090-1234-5678\n\n  0120 123 456  \n03/1234\n", encoding="utf-8")
    for spec in (f"file:{file}", str(file), file):
        template = parse_template(spec)
        assert isinstance(template, ListTemplate)
        assert template.strings == ["090-1234-5678", "0120 123 456", "03/1234"]
        assert set(template.sample(rng(), 100)) == set(template.strings)
    assert template.max_length == 13
    assert template.max_label_length(keep_separators=False) == 11


def test_list_and_template_objects_pass_through() -> None:
    template = parse_template(["12", "345"])
    assert isinstance(template, ListTemplate) and template.capacity() == 2
    same = PatternTemplate("0##")
    assert parse_template(same) is same
    assert parse_template("0##") == same and hash(parse_template("0##")) == hash(same)
    assert repr(same) == "PatternTemplate('0##')"


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        ("random:5-2", InvalidParameterError, r"template='random:5-2': lengths must satisfy 1"),
        ("random:0-3", InvalidParameterError, r"1 <= MIN <= MAX <= 1024"),
        ("random:x", InvalidParameterError, r"expected 'random:MIN-MAX' with integer lengths"),
        ("random:1-2000", InvalidParameterError, r"<= 1024"),
        ("abc", InvalidParameterError, r"template='abc': not a template; expected 'phone'"),
        ("", InvalidParameterError, r"template='': not a template"),
        ("0#a#", InvalidParameterError, r"template='0#a#': 'a' is not allowed in a pattern"),
        ("0##_##", InvalidParameterError, r"'_' is not allowed in a pattern"),
        (" ##", InvalidParameterError, r"must not start or end with a space"),
        ("---", InvalidParameterError, r"needs at least one digit or '#'"),
        ("phone:fax", InvalidParameterError, r"unknown phone format; expected one of mobile"),
        ("file:/no/such/file.txt", InvalidParameterError, r"no such file"),
        (42, InvalidTypeError, r"template=42: expected 'phone'"),
        (["12", 3], InvalidTypeError, r"item 2 is 3"),
        (["12", "3x"], InvalidParameterError, r"item 2: '3x' holds 'x'"),
        (["", " "], InvalidParameterError, r"holds no strings"),
    ],
    ids=[
        "min-above-max",
        "zero-length",
        "not-a-number",
        "too-long",
        "word",
        "empty",
        "letter-in-pattern",
        "underscore",
        "leading-space",
        "only-separators",
        "unknown-phone-format",
        "missing-file",
        "int",
        "list-with-int",
        "list-with-letter",
        "list-of-blanks",
    ],
)
def test_bad_templates(spec: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        parse_template(spec)
    assert isinstance(info.value, NumberGeneratorError)
    assert "\n" not in str(info.value)


def test_bad_line_in_a_file_names_the_line(tmp_path: Path) -> None:
    file = tmp_path / "bad.txt"
    file.write_text("0901234\n12#4\n", encoding="utf-8")
    with pytest.raises(InvalidParameterError, match=r"bad.txt, line 2: '12#4' holds '#'"):
        parse_template(f"file:{file}")
    file.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InvalidParameterError, match="cannot be read"):
        parse_template(f"file:{file}")


# --------------------------------------------------------------------------- capacity, uniqueness


def test_capacities() -> None:
    assert parse_template("0##-####").capacity() == 10**6
    assert parse_template("random:1-3").capacity() == 10 + 100 + 1000
    for name, spec in PHONE_FORMATS.items():
        assert parse_template(f"phone:{name}").capacity() == spec.capacity
    listed = parse_template(["12-34", "1234", "12/34", "99"])
    assert listed.capacity(keep_separators=False) == 2  # same digits, same label
    assert listed.capacity(keep_separators=True) == 4


@pytest.mark.parametrize("size", [1, 2, 3, 10, 100, 1000, 1023, 1025], ids=lambda n: f"n{n}")
def test_permutation_is_a_bijection(size: int) -> None:
    permutation = _Permutation(size, b"key-0123")
    values = [permutation(i) for i in range(size)]
    assert sorted(values) == list(range(size))
    if size >= 100:
        assert values != sorted(values), "not the identity"
        other = _Permutation(size, b"key-4567")
        assert [other(i) for i in range(size)] != values, "the key matters"


def test_allocation_is_even_where_sizes_allow() -> None:
    assert _allocate(300, [10, 100, 1000]) == [10, 100, 190]
    assert _allocate(30, [10, 100, 1000]) == [10, 10, 10]
    assert _allocate(1110, [10, 100, 1000]) == [10, 100, 1000]
    assert sum(_allocate(7, [5, 5, 5])) == 7


def test_unique_strings_are_distinct_and_reproducible() -> None:
    template = parse_template("random:1-3")
    strings = template.unique(300, seed=3)
    drawn = strings.strings(0, 300)
    assert len(set(drawn)) == 300
    assert drawn == template.unique(300, seed=3).strings(0, 300)
    assert drawn != template.unique(300, seed=4).strings(0, 300)
    by_length = np.bincount([len(s) for s in drawn])[1:]
    assert by_length.tolist() == [10, 100, 190]  # every 1-digit string, then even shares
    # Index ranges computed separately agree with the whole (what shards rely on).
    assert strings.strings(100, 200) == drawn[100:200]


def test_unique_can_exhaust_a_template() -> None:
    drawn = parse_template("0#-#").unique(100, seed=0).strings(0, 100)
    assert sorted(drawn) == [f"0{d // 10}-{d % 10}" for d in range(100)]
    with pytest.raises(InvalidParameterError, match=r"count=101: the template '0#-#' has only 100"):
        parse_template("0#-#").unique(101, seed=0)


def test_unique_by_label_in_lists() -> None:
    template = parse_template(["12-34", "1234", "99"])
    assert sorted(label_of(s, False) for s in template.unique(2, seed=1).strings(0, 2)) == [
        "1234",
        "99",
    ]
    with pytest.raises(InvalidParameterError, match="only 2 distinct labels"):
        template.unique(3, seed=1)


def test_unique_works_on_astronomical_capacities() -> None:
    drawn = parse_template("random:30-40").unique(500, seed=0).strings(0, 500)
    assert len(set(drawn)) == 500 and {len(s) for s in drawn} == set(range(30, 41))


def test_label_of() -> None:
    assert label_of("090-1234 56/78", False) == "09012345678"
    assert label_of("090-1234 56/78", True) == "090-1234 56/78"


def test_template_base_is_abstract() -> None:
    class Nothing(Template):
        spec = "nothing"

    with pytest.raises(NotImplementedError):
        Nothing().sample(rng(), 1)


# --------------------------------------------------------------------------- separators drawn


def test_separators_are_drawn_between_digits(generator: SequenceGenerator) -> None:
    result = generator.render("090-12/34", (3, 3), None)
    assert result.label == "0901234" and result.text == "090-12/34"
    assert result.boxes.shape == (7, 4) and result.glyph_boxes.shape == (9, 4)
    ink = result.ink
    boxes = result.glyph_boxes
    for x0, y0, x1, y1 in boxes:
        inside = ink[y0:y1, x0:x1]
        assert inside.any(), "every glyph, strokes included, has ink in its box"
        assert inside[:, 0].any() and inside[:, -1].any(), "boxes are tight left and right"
    # Each gap is the spacing (at least 1 px beside a stroke), measured between ink.
    assert ((boxes[1:, 0] - boxes[:-1, 2]) == 3).all()
    hyphen = boxes[3]
    assert hyphen[3] - hyphen[1] < 12, "a hyphen is a flat stroke"
    slash = boxes[6]
    assert slash[3] - slash[1] > 12, "a slash is tall"
    outside = ink.copy()
    for x0, y0, x1, y1 in boxes:
        outside[y0:y1, x0:x1] = 0
    assert not outside.any(), "no ink outside the boxes"


def test_a_space_is_a_wider_gap(generator: SequenceGenerator) -> None:
    for seed in range(20):
        result = generator.render("12 34", (2, 2), None, seed=seed)
        assert result.glyph_boxes.shape == (4, 4)
        gaps = result.boxes[1:, 0] - result.boxes[:-1, 2]
        assert gaps[0] == 2 and gaps[2] == 2
        assert 2 + 28 // 3 <= gaps[1] <= 2 + 2 * 28 // 3


def test_separators_with_overlap_and_scaling(generator: SequenceGenerator) -> None:
    result = generator.render("12-34", (-4, -2), 60, image_height=40)
    assert result.ink.shape == (40, 60)
    boxes = result.glyph_boxes
    assert (boxes[3, 0] - boxes[2, 2]) >= 0 and (boxes[2, 0] - boxes[1, 2]) >= 0
    same = generator.render("12-34", (-4, -2), 60, image_height=40, seed=7)
    again = generator.render("12-34", (-4, -2), 60, image_height=40, seed=7)
    assert same.ink.tobytes() == again.ink.tobytes()


@pytest.mark.parametrize(
    ("digits", "message"),
    [
        ("12a-3", r"digits='12a-3': 'a' is neither a digit nor a separator; allowed: 0-9"),
        ("--", r"digits='--': holds no digit"),
        ("4a2", r"digits='4a2': 'a' is neither a digit nor a separator; allowed: 0-9"),
    ],
    ids=["letter", "only-separators", "no-separator"],
)
def test_bad_strings_with_separators(
    generator: SequenceGenerator, digits: str, message: str
) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        generator.render(digits, (2, 8), 100)


# --------------------------------------------------------------------------- template files


def run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    """``number-generator`` in a process of its own, with at most 2 GiB of address space
    (reading a device without bound ends there, not in the machine's memory).
    """
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    src = str(Path(number_generator.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "number_generator", *argv]
    # The bound is never reached: a refused template answers at once.
    return subprocess.run(
        command, env=env, capture_output=True, text=True, preexec_fn=limit, timeout=120
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero and mkfifo")
@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_template_files_that_are_not_files(tmp_path: Path, kind: str) -> None:
    if kind == "device":
        path, what = "/dev/zero", "a character device"
    else:
        path, what = str(tmp_path / "fifo"), "a FIFO (named pipe)"
        os.mkfifo(path)
    done = run_cli("dataset", "--out", str(tmp_path / "out"), "--count", "1", "-t", f"file:{path}")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"number-generator dataset: error: --template='file:{path}': is {what}, not a text file; "
        "give a file with one string per line\n"
    )
    assert not (tmp_path / "out").exists()


def test_template_file_limits(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is really written
    with pytest.raises(InvalidParameterError) as info:
        parse_template(f"file:{big}")
    assert str(info.value) == (
        f"template='file:{big}': the file is larger than 64 MiB, the most a template file may hold"
    )
    assert info.value.param == "template"

    long = tmp_path / "long.txt"
    long.write_text("0901234\n" + "1" * (MAX_LINE_CHARS + 1) + "\n", encoding="utf-8")
    with pytest.raises(InvalidParameterError) as info:
        parse_template(f"file:{long}")
    assert str(info.value) == (
        f"template='file:{long}': line 2 has 4,097 characters; a line holds at most 4,096 "
        "(one string per line)"
    )
    with pytest.raises(InvalidParameterError, match=r": is a folder, not a text file"):
        parse_template(f"file:{tmp_path}")

    # At the limits: read.
    fits = tmp_path / "fits.txt"
    fits.write_text("-".join("1" * MAX_DIGITS) + "\n", encoding="utf-8")
    assert parse_template(f"file:{fits}").max_label_length(False) == MAX_DIGITS
