"""PNG bytes of many grayscale images at once, the same bytes OpenCV writes.

``cv2.imencode(".png", image)`` (what :func:`~number_generator._util.files.encode_png`
calls) filters every row with PNG's ``Sub`` filter (``None`` if one pixel wide)
and deflates the rows with zlib at level 1, strategy ``Z_RLE``, memory level 8
and the smallest window libpng allows for the image's size, in one ``IDAT``
chunk per 8 KiB of output.
Here the filter runs over a whole batch in numpy and each image is deflated by
Python's :mod:`zlib`: no per-image OpenCV and libpng overhead, and files exported
before stay byte-identical.

The two agree only if Python's zlib is the one OpenCV uses (the usual case:
both load the system's ``libz``). Each process checks that once, on its first
batch; if they differ, every image goes through :func:`encode_png` instead.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from ..._util.files import encode_png
from ..shards import Sample

__all__ = ["encode_pngs", "with_png_bytes"]

#: Images encoded (filtered) together: at most this many, and no more once they hold
#: :data:`_BATCH_PIXELS` pixels (large images are encoded a few at a time).
_BATCH = 256
_BATCH_PIXELS = 1 << 22

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
#: libpng's output buffer: one ``IDAT`` chunk per this many compressed bytes.
_IDAT_SIZE = 8192
_FILTER_SUB = 1

#: Whether this process's zlib gives OpenCV's bytes (``None``: not checked yet).
_SAME_AS_OPENCV: bool | None = None


def with_png_bytes(samples: Iterable[Sample]) -> Iterator[tuple[Sample, bytes]]:
    """Each sample with the PNG bytes of its paper, encoded a batch at a time."""
    batch: list[Sample] = []
    pixels = 0
    for sample in samples:
        batch.append(sample)
        pixels += sample.paper.size
        if len(batch) == _BATCH or pixels >= _BATCH_PIXELS:
            yield from zip(batch, encode_pngs([sample.paper for sample in batch]))
            batch, pixels = [], 0
    yield from zip(batch, encode_pngs([sample.paper for sample in batch]))


def encode_pngs(images: Sequence[npt.NDArray[np.uint8]]) -> list[bytes]:
    """PNG bytes of each 2-D ``uint8`` image, as :func:`encode_png` gives them.

    Images of the same shape in a row are filtered together.
    """
    global _SAME_AS_OPENCV
    if not images:
        return []
    if _SAME_AS_OPENCV is None:
        probes = [images[0], _NOISE]
        _SAME_AS_OPENCV = all(_encode(p[None])[0] == encode_png(p) for p in probes)
    if not _SAME_AS_OPENCV:
        return [encode_png(image) for image in images]
    encoded: list[bytes] = []
    first = 0
    while first < len(images):
        shape = images[first].shape
        last = first + 1
        while last < len(images) and images[last].shape == shape:
            last += 1
        encoded += _encode(np.stack(images[first:last]))
        first = last
    return encoded


def _encode(batch: npt.NDArray[np.uint8]) -> list[bytes]:
    """PNG bytes of each image of ``batch`` ``[N, H, W]``."""
    count, height, width = batch.shape
    rows = np.empty((count, height, width + 1), np.uint8)
    rows[:, :, 0] = _FILTER_SUB if width > 1 else 0  # libpng: no Sub filter on one column
    rows[:, :, 1] = batch[:, :, 0]
    np.subtract(batch[:, :, 1:], batch[:, :, :-1], out=rows[:, :, 2:])  # wraps modulo 256
    window, header = _zlib_window(height * (width + 1))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    head = _SIGNATURE + struct.pack(">I", 13) + b"IHDR" + ihdr + _crc(b"IHDR" + ihdr)
    out = []
    for image in rows:
        # The zlib stream: libpng's header, the raw deflate stream, the Adler-32 of the rows.
        packer = zlib.compressobj(1, zlib.DEFLATED, -window, 8, zlib.Z_RLE)
        deflated = packer.compress(image) + packer.flush()
        stream = b"".join((header, deflated, struct.pack(">I", zlib.adler32(image))))
        if len(stream) <= _IDAT_SIZE:
            idat = struct.pack(">I", len(stream)) + b"IDAT" + stream + _crc(stream, _IDAT_CRC)
        else:
            parts = [stream[at : at + _IDAT_SIZE] for at in range(0, len(stream), _IDAT_SIZE)]
            idat = b"".join(
                struct.pack(">I", len(part)) + b"IDAT" + part + _crc(part, _IDAT_CRC)
                for part in parts
            )
        out.append(head + idat + _IEND)
    return out


def _zlib_window(size: int) -> tuple[int, bytes]:
    """The window bits libpng deflates ``size`` bytes of rows with, and the zlib header
    it writes.

    libpng halves the 32 KiB window while the data and zlib's lookahead still fit
    in half of it, then rewrites the stream's header to the smallest window the
    data alone fits in (``png_deflate_claim`` and ``optimize_cmf`` in pngwutil.c).
    """
    bits = info = 15
    if size <= 16384:
        half = 1 << (bits - 1)
        while size + 262 <= half:
            half >>= 1
            bits -= 1
        info, half = bits, 1 << (bits - 1)
        while info > 8 and size <= half:
            half >>= 1
            info -= 1
    cmf = (info - 8) << 4 | 8  # deflate, window 2**info
    # FLEVEL 0 (zlib at level 1), no dictionary; FCHECK makes the pair a multiple of 31.
    return bits, bytes((cmf, 0x1F - (cmf << 8) % 0x1F))


def _crc(data: bytes, start: int = 0) -> bytes:
    return struct.pack(">I", zlib.crc32(data, start))


_IDAT_CRC = zlib.crc32(b"IDAT")
#: A probe that fills more than one ``IDAT`` chunk and uses the full window.
_NOISE = np.random.default_rng(0).integers(0, 256, (64, 300), dtype=np.uint8)
