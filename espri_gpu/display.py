"""Notebook display: results render as their tidy table in Jupyter."""

from __future__ import annotations

__all__ = ["FrameRepr"]


class FrameRepr:
    """Mixin for result dataclasses with a ``to_frame()``: Jupyter shows that table.

    Examples
    --------
    >>> from espri_gpu import counts, load_example
    >>> "<table" in counts(load_example(), "big_data")._repr_html_()
    True
    """

    def _repr_html_(self) -> str:
        return self.to_frame()._repr_html_()  # type: ignore[attr-defined]
