"""The pytest-plugin example of docs/testing.md (where the README's testing section points), run exactly as
written: its two files in a fresh directory, under a fresh pytest that finds the plugin through its `pytest11`
entry point, as a user's project would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_FILES = ("notifications.py", "test_notifications.py")
# a file name in backticks and a colon, a blank line, then the fenced Python block that is its content
CODE_BLOCK = re.compile(r"`(\w+\.py)`:\s*\n\s*\n```python\n(.*?)```", re.DOTALL)


def example_files() -> dict[str, str]:
    """The example's files from the README (or from docs/testing.md, its source, until the README has it)."""
    for doc in (ROOT / "README.md", ROOT / "docs" / "testing.md"):
        if doc.exists():
            files = dict(CODE_BLOCK.findall(doc.read_text(encoding="utf-8")))
            if all(name in files for name in EXAMPLE_FILES):
                return {name: files[name] for name in EXAMPLE_FILES}
    raise AssertionError(f"no README section with the files {EXAMPLE_FILES}")


def test_the_readme_example_passes_as_written(pytester: pytest.Pytester) -> None:
    files = example_files()
    for name, code in files.items():
        pytester.makepyfile(**{name.removesuffix(".py"): code})

    # -p no:asyncio: the example is synchronous, and an unconfigured pytest-asyncio (installed here for our
    # own tests) warns at start-up; -W error: the example runs without a single warning
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:asyncio", "-W", "error")

    result.assert_outcomes(passed=files["test_notifications.py"].count("\ndef test_"))
