"""A self-contained, offline HTML page: figures embedded, every text escaped.

Nothing is loaded from the network; images are PNG data URIs; every string that comes from
the data (option texts, free "other" answers, keywords) goes through :func:`html.escape` or
``DataFrame.to_html(escape=True)``, so an answer such as ``<script>…</script>`` is shown as
text, never run.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["HtmlReport", "palette_png"]

_STYLE = """
body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1100px;margin:2em auto;
color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:2px solid #2b6cb0;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#edf2f7}
img{max-width:100%;height:auto;border:1px solid #eee;margin:.5em 0}
.note{color:#555;font-size:.9em}.related{color:#9b2c2c;font-weight:bold}
.unrelated{color:#2f855a}.reading{border-left:4px solid #9b2c2c;padding-left:.6em;
font-weight:600}details{margin:.4em 0}summary{cursor:pointer}
"""


def palette_png(rgba: object, colors: int = 256) -> bytes:
    """An 8-bit palette PNG of an RGBA pixel array (a drawn figure's canvas), without the
    round trip through a full-colour PNG. Charts have few colours (flat fills, anti-aliased
    text): an adaptive palette of 256 colours looks the same at a third of the size or less.

    Examples
    --------
    >>> import numpy as np
    >>> palette_png(np.zeros((4, 4, 4), dtype=np.uint8))[:4]
    b'\\x89PNG'
    """
    import io

    from PIL import Image

    image = Image.fromarray(rgba, mode="RGBA").convert("RGB")
    small = image.quantize(colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", compress_level=6)
    return out.getvalue()


@dataclass
class HtmlReport:
    """Build the page section by section, then :meth:`render` it."""

    title: str
    lang: str = "fr"
    parts: list[str] = field(default_factory=list)

    def heading(self, text: str, level: int = 2, anchor: str | None = None) -> None:
        """A section title."""
        ident = f' id="{html.escape(anchor, quote=True)}"' if anchor else ""
        self.parts.append(f"<h{level}{ident}>{html.escape(text)}</h{level}>")

    def paragraph(self, text: str, css: str | None = None) -> None:
        """A paragraph of plain text (escaped)."""
        cls = f' class="{css}"' if css else ""
        self.parts.append(f"<p{cls}>{html.escape(text)}</p>")

    def bullets(self, items: list[str]) -> None:
        """A list of plain-text items (escaped)."""
        inner = "".join(f"<li>{html.escape(i)}</li>" for i in items)
        self.parts.append(f"<ul>{inner}</ul>")

    def table(self, frame: pd.DataFrame, *, index: bool = True, digits: int = 3) -> None:
        """A table; every cell and label escaped."""
        self.parts.append(frame.to_html(index=index, escape=True, border=0,
                                        float_format=lambda x: f"{x:.{digits}g}",
                                        na_rep="–"))

    def image(self, png: Path, alt: str) -> None:
        """Embed a PNG file as a data URI (as it is: the report saves its figures already
        as palette PNGs, :func:`palette_png`)."""
        data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
        self.parts.append(f'<img src="data:image/png;base64,{data}" '
                          f'alt="{html.escape(alt, quote=True)}">')

    def open_details(self, summary: str) -> None:
        """Start a collapsible block."""
        self.parts.append(f"<details><summary>{html.escape(summary)}</summary>")

    def close_details(self) -> None:
        """End a collapsible block."""
        self.parts.append("</details>")

    def render(self) -> str:
        """The whole page."""
        body = "\n".join(self.parts)
        lang = html.escape(self.lang, quote=True)
        return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style></head>"
                f"<body><h1>{html.escape(self.title)}</h1>\n{body}\n</body></html>\n")
