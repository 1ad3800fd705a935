"""README.md stays true: its test command is what CI runs; its CLI matches the parser."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Two commands.*?```bash\n(.*?)```", readme, re.S)
    assert block, "README.md has no '## Two commands' bash block"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_has_exactly_two_setup_commands() -> None:
    commands = _commands()
    assert len(commands) == 2
    assert commands[0].startswith("pip install -e . && python -m espri_gpu report")
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _commands()[1] in ci


def test_readme_documents_every_report_option() -> None:
    from espri_gpu.cli import parse_args

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser_options = vars(parse_args(["report"]))
    for option in parser_options:
        if option not in ("command", "responses"):
            assert f"--{option.replace('_', '-')}" in readme, option
