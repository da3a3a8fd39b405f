"""gateway/page.py and gateway/console/: the page's files ship in the package, and its script never turns a
string into markup."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import gateway
from gateway.page import Page

ROOT = Path(__file__).resolve().parents[3]
CONSOLE = Path(gateway.__file__).with_name("console")


def test_every_file_of_the_page_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "gateway.console" in config["tool"]["setuptools"]["packages"]
    patterns = config["tool"]["setuptools"]["package-data"]["gateway.console"]
    files = sorted(path.name for path in CONSOLE.iterdir() if path.name != "__pycache__")
    assert files, CONSOLE
    unshipped = [name for name in files if not any(fnmatch.fnmatch(name, pattern) for pattern in patterns)]
    assert not unshipped, f'add them to [tool.setuptools.package-data] "gateway.console": {unshipped}'


def test_the_page_loads_every_file_it_serves() -> None:
    Page()  # reads index.html and each asset; a missing one raises here, not at a person's first visit


def test_the_script_renders_text_only() -> None:
    script = (CONSOLE / "console.js").read_text(encoding="utf-8")
    # Strings from the document and from answers go in as textContent: nothing parses them as HTML or code.
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        'setAttribute("on',
    ):
        assert sink not in script, sink
    assert not re.search(r"\.style\s*=|setAttribute\(\s*['\"]style", script), "inline style (the CSP refuses it)"
