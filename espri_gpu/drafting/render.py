"""Writing the drafted entries as TOML: unique ASCII keywords from headers and option texts,
figure labels, escaped strings, and the comments (header, respondents per option, notes and
``CHECK:`` lines)."""

from __future__ import annotations

import re
import shlex
from collections import Counter
from pathlib import Path

from .entries import Entry, Option, Row
from .text import fold

#: Longest keyword drafted (before a ``_2`` suffix that keeps keywords unique).
KEYWORD_LENGTH = 20
#: Longest label drafted from a header (figure titles).
LABEL_LENGTH = 70
#: Longest option label drafted from an option text (figure axes, tables).
OPTION_LABEL_LENGTH = 40
_STOP_WORDS = frozenset("""
a ai as au aux avec avez avons c ce ces cet cette d dans de des du elle en est et etes etait
etiez il ils j je l la le les leur leurs lui m ma mais me mes moi mon n ne nous on ou par
pour qu quel quelle quelles quels que qui quoi s sa se ses si son sont sur t ta te tes toi ton
tu un une vos votre vous y deja
an and any are as at be by can did do does for from had has have how i if in into is it its
me my of on or our please that the their them there these this to was we were what when where
which who why will with would you your
""".split())


_FRENCH = frozenset("""
a au aux avec avez ce ces cette dans de des du en est et etes il je la le les leur nous ou
par pas pour quel quelle quelles quels que qui sont sur un une vos votre vous
""".split())
_ENGLISH = frozenset("""
a an and any are at be by can did do does for from has have how i in is it of on or our
that the their this to was we what when where which who why will with you your
""".split())


def guess_language(texts: list[str]) -> str:
    """``"en"`` when the headers' words are mostly English, else ``"fr"`` (the report's
    language; the user may change it).

    Examples
    --------
    >>> guess_language(["Which tools do you use?", "What is your lab?"])
    'en'
    >>> guess_language(["Quels outils utilisez-vous ?", "Votre laboratoire ?"])
    'fr'
    """
    words = [w for t in texts for w in re.findall(r"[a-z]+", fold(t))]
    french = sum(w in _FRENCH for w in words)
    english = sum(w in _ENGLISH for w in words)
    return "en" if english > french else "fr"


def _keyword(text: str, taken: set[str], fallback: str) -> str:
    """A short ASCII keyword for ``text`` (first meaningful words), unique among ``taken``."""
    words = re.findall(r"[a-z0-9]+", fold(text))
    meaningful = [w for w in words if w not in _STOP_WORDS] or words
    keyword = ""
    for word in meaningful:
        longer = f"{keyword}_{word}" if keyword else word
        if len(longer) > KEYWORD_LENGTH:
            keyword = keyword or word[:KEYWORD_LENGTH]
            break
        keyword = longer
    keyword = keyword or fallback
    unique, k = keyword, 2
    while unique in taken:
        suffix = f"_{k}"
        unique = keyword[:KEYWORD_LENGTH - len(suffix)] + suffix
        k += 1
    taken.add(unique)
    return unique


def assign_keywords(entries: list[Entry]) -> None:
    taken: set[str] = set()
    for i, entry in enumerate(entries, start=1):
        entry.keyword = _keyword(entry.base, taken, f"colonne_{i}")
        option_keys: set[str] = set()
        for j, option in enumerate(entry.options, start=1):
            option.keyword = _keyword(option.text, option_keys, f"option_{j}")
        row_keys: set[str] = set()
        for j, row in enumerate(entry.rows, start=1):
            row.keyword = _keyword(row.text, row_keys, f"ligne_{j}")


def _toml_string(text: str) -> str:
    """A TOML basic string; unlike :func:`espri_gpu.codebook_toml.toml_string` (JSON's
    escapes) it escapes DEL (U+007F), which TOML refuses raw, and spells other control
    characters ``\\uXXXX``."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _comment(text: str) -> str:
    return text.replace("\n", " ")


def _label(header: str, length: int = LABEL_LENGTH) -> str:
    text = " ".join(header.split())
    if len(text) <= length:
        return text
    cut = text[:length - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:(") + "…"


def _respondents(n: int) -> str:
    return f"{n} respondent" + ("" if n == 1 else "s")


def _item_fields(item: Option | Row) -> list[str]:
    """The ``keyword``, ``text`` and (where needed) ``column`` fields of an option or a row."""
    fields = [f"keyword = {_toml_string(item.keyword)}", f"text = {_toml_string(item.text)}"]
    if item.column is not None:
        fields.append(f"column = {_toml_string(item.column)}")
    label = _label(item.text, OPTION_LABEL_LENGTH)
    if label != item.text:
        fields.append(f"label = {_toml_string(label)}")
    return fields


def render(entries: list[Entry], *, source: str, output: str, n: int,
            header_rows: int) -> str:
    kinds = Counter(e.kind for e in entries)
    summary = ", ".join(f"{kinds[k]} {k}" for k in ("single", "multiple", "grid", "free",
                                                     "timestamp", "personal", "ignore")
                        if kinds[k])
    separators = {e.separator or ", " for e in entries if e.kind == "multiple" and not e.layout}
    common = separators.pop() if len(separators) == 1 else ", "
    stem = Path(source).stem
    name = _keyword(stem, set(), "survey")
    lines = [
        f"# Codebook DRAFTED by espri_gpu from {Path(source).name} ({n} respondents): "
        f"{summary}.",
        "#",
        "# Check it before trusting the report, then edit:",
        "#   - kind: single | multiple | grid | free | timestamp | personal | ignore;",
        "#   - keyword: the short name used in tables and file names (rename freely);",
        "#   - label: the title of figures (of a question) or the short text shown in figures",
        "#     and tables (of an option: shorten it freely);",
        "#   - options: keep each `text` exactly as in the export; the comments give the",
        "#     number of respondents; `ordered = true` keeps the listed order in tables;",
        "#   - lines marked CHECK are guesses the drafter was unsure about.",
        "# Re-run with it:",
        f"#   python -m espri_gpu report {shlex.quote(source)} --codebook {shlex.quote(output)}",
        "",
        f"name = {_toml_string(name)}",
        f"title = {_toml_string(stem)}",
        f"language = {_toml_string(guess_language([e.header for e in entries]))}  # of the "
        "report: fr | en (guessed from the headers)",
    ]
    if header_rows != 1:
        lines.append(f"header_rows = {header_rows}  # the second header row holds option "
                     "texts / sub-headers")
    if common != ", ":
        lines.append(f"separator = {_toml_string(common)}  # joins the answers of "
                     "multiple-choice cells")
    for entry in entries:
        lines += ["", "[[columns]]"]
        lines += [f"# {_comment(note)}" for note in entry.notes]
        if entry.kind != "ignore" or entry.header:
            lines.append(f"keyword = {_toml_string(entry.keyword)}")
        if entry.layout != "columns":
            lines.append(f"header = {_toml_string(entry.header)}")
        lines.append(f"kind = {_toml_string(entry.kind)}")
        if entry.kind in ("single", "multiple", "grid"):
            lines.append(f"label = {_toml_string(_label(entry.base))}")
        if entry.layout:
            lines.append(f"layout = {_toml_string(entry.layout)}")
        if entry.separator and entry.separator != common:
            lines.append(f"separator = {_toml_string(entry.separator)}")
        if entry.ordered:
            lines.append("ordered = true  # a scale: options in scale order")
        if entry.other is not None and entry.kind in ("single", "multiple"):
            note = f"  # {_comment(entry.other_note)}" if entry.other_note else ""
            lines.append(f"other = {'true' if entry.other else 'false'}{note}")
        if entry.other_column:
            lines.append(f"other_column = {_toml_string(entry.other_column)}")
        if entry.kind in ("single", "multiple", "grid"):
            lines.append("options = [")
            for option in entry.options:
                fields = _item_fields(option)
                if option.none:
                    fields.append("none = true")
                note = _respondents(option.count) if entry.kind != "grid" else \
                    f"{option.count} answers"
                if option.note:
                    note += f"; {option.note}"
                lines.append(f"    {{ {', '.join(fields)} }},  # {_comment(note)}")
            lines.append("]")
        if entry.rows:
            lines.append("rows = [")
            for row in entry.rows:
                lines.append(f"    {{ {', '.join(_item_fields(row))} }},")
            lines.append("]")
    return "\n".join(lines) + "\n"
