"""Write a chart as PNG, SVG and self-contained HTML, and embed a preview in Dagster metadata.

Everything renders offline: vl-convert carries Vega, Vega-Lite and their JavaScript with it, and
the HTML inlines that JavaScript instead of loading it from a CDN.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib
from pathlib import Path

import altair as alt

PNG_SCALE = 2
PREVIEW_SCALE = 1
"""The preview is embedded (base64) in every materialization's metadata, so it stays at 1x."""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def render_chart(chart: alt.TopLevelMixin, out_dir: Path, name: str) -> dict[str, Path]:
    """Write `name.png` (2x), `name.svg`, `name.html` and `name.preview.png` (1x) into out_dir.

    Returns the paths by kind: "png", "svg", "html" and "preview_png".
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "png": out_dir / f"{name}.png",
        "svg": out_dir / f"{name}.svg",
        "html": out_dir / f"{name}.html",
        "preview_png": out_dir / f"{name}.preview.png",
    }
    # The marts are aggregates; lift Altair's 5000-row guard for this call only (not globally).
    with alt.data_transformers.disable_max_rows():
        paths["png"].write_bytes(chart_png(chart, PNG_SCALE))
        paths["preview_png"].write_bytes(chart_png(chart, PREVIEW_SCALE))
        chart.save(paths["svg"], format="svg")
        chart.save(paths["html"], format="html", inline=True)
    return paths


def chart_png(chart: alt.TopLevelMixin, scale: float) -> bytes:
    buffer = io.BytesIO()
    chart.save(buffer, format="png", scale_factor=scale)
    return recompressed_png(buffer.getvalue())


def recompressed_png(png: bytes) -> bytes:
    """The same image with its pixel data deflated at level 9 (vl-convert's PNGs are ~5x larger).

    The scanlines (and their filters) are kept as they are; only the zlib stream changes.
    """
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    chunks: list[tuple[bytes, bytes]] = []
    pixel_data = b""
    offset = len(PNG_SIGNATURE)
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        body = png[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IDAT":
            if not pixel_data:
                chunks.append((b"IDAT", b""))  # where the merged pixel data goes
            pixel_data += body
        else:
            chunks.append((kind, body))
    deflated = zlib.compress(zlib.decompress(pixel_data), level=9)
    return PNG_SIGNATURE + b"".join(
        png_chunk(kind, deflated if kind == b"IDAT" else body) for kind, body in chunks
    )


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def preview_markdown(png_path: Path, alt_text: str | None = None) -> str:
    """Markdown showing the PNG inline, as a base64 data URI (how Dagster's UI shows images).

    Markdown images carry no size: pass the 1x preview PNG that render_chart writes.
    """
    encoded = base64.b64encode(png_path.read_bytes()).decode("ascii")
    return f"![{alt_text or png_path.stem}](data:image/png;base64,{encoded})"
