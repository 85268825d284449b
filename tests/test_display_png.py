"""Charts are embedded as palette PNGs: the same picture, far fewer bytes."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

from attain import display, style  # noqa: E402


def _chart():
    style.apply("zh")
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.axvspan(0.4, 0.6, color="#C62828")                     # a solid red band in the middle
    x = [i / 50 for i in range(51)]
    ax.plot(x, [v * v for v in x], color="#1565C0", lw=2)
    ax.set_xlim(0, 1)
    ax.set_title("各渠道GMV（万元）")
    return fig


def test_palette_png_keeps_size_and_colours_and_is_smaller():
    fig = _chart()
    plain = io.BytesIO()
    fig.savefig(plain, format="png")
    small = display.png_bytes(fig)
    plt.close(fig)
    full, palette = Image.open(io.BytesIO(plain.getvalue())), Image.open(io.BytesIO(small))
    assert palette.mode == "P" and palette.size == full.size
    rgb = palette.convert("RGB")
    w, h = rgb.size
    red = rgb.getpixel((w // 2, h // 2))                       # inside the red band (x = 0.5)
    assert all(abs(a - b) <= 8 for a, b in zip(red, (0xC6, 0x28, 0x28))), red
    assert len(small) < 0.6 * len(plain.getvalue())


def test_transparent_figures_are_flattened_on_white():
    fig = _chart()
    fig.patch.set_alpha(0.0)
    rgb = Image.open(io.BytesIO(display.png_bytes(fig))).convert("RGB")
    plt.close(fig)
    assert min(rgb.getpixel((1, 1))) >= 250                   # the corner is white (within the palette), not black
