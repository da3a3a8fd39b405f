"""The console page in a real headless Chromium: Debian's `chromium` through its `chromedriver`, driven by
Selenium, and the steps a person takes on the page. Used by test_console_browser.py and
scripts/screenshot_console.py.

Selenium blocks; a gateway started by the tests runs on the test's event loop, so the tests call these
steps through asyncio.to_thread.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM: Final = Path("/usr/bin/chromium")
CHROMEDRIVER: Final = Path("/usr/bin/chromedriver")
# Headless as root in a container, and quiet: nothing reaches out to the network on its own.
FLAGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
WAIT: Final = 10.0  # seconds for the page to load or a call to be answered, on a busy 2-core machine


def missing() -> str | None:
    """Why the browser cannot run here, or None."""
    absent = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if absent:
        return f"no {' and no '.join(absent)} (Debian packages chromium and chromium-driver)"
    return None


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a fresh profile, quit and its profile removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="console-chromium-") as profile:
        options = Options()
        options.binary_location = str(CHROMIUM)
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.add_argument(f"--window-size={width},{height}")
        # The page's console messages, so a test can see a refused script or style (CSP) or a script error.
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # The driver's path is given, so Selenium does not look for (or download) one of its own.
        driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
        try:
            # The window's size includes what headless Chromium keeps for its frame: grow it by that, so the
            # page itself (and a screenshot of it) is width x height.
            inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
            driver.set_window_size(2 * width - int(inner[0]), 2 * height - int(inner[1]))
            yield driver
        finally:
            driver.quit()


@dataclass(frozen=True)
class Shown:
    """What the page shows after Send: the status line, the answer, the point limits table."""

    status: str
    answer: dict[str, Any]
    limits: dict[str, dict[str, str]]  # "day" / "minute" -> column -> text


class Console:
    """The page, as a person uses it."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver

    def _wait(self) -> WebDriverWait[webdriver.Chrome]:
        return WebDriverWait(self.driver, WAIT)

    def text(self, element_id: str) -> str:
        return self.driver.find_element(By.ID, element_id).text

    def open(self, base_url: str) -> None:
        """Load the page and wait until it has rendered the document."""
        self.driver.get(base_url + "/")
        self._wait().until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")

    def listed_methods(self) -> list[str]:
        return [
            str(button.get_attribute("data-method"))
            for button in self.driver.find_elements(By.CLASS_NAME, "method-item")
        ]

    def pick(self, method: str) -> None:
        """Choose a method in the console's picker; the reference follows."""
        Select(self.driver.find_element(By.ID, "method")).select_by_value(method)
        self._wait().until(lambda d: d.find_element(By.ID, "method-name").text == method)

    def params_table(self) -> dict[str, list[str]]:
        """The reference's params by their path (site_blocks[].phone_number_id): the row's cells (name as
        shown, type, required, facts)."""
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#params tbody tr[data-path]")
        return {
            str(row.get_attribute("data-path")): [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            for row in rows
        }

    def errors_table(self) -> list[list[str]]:
        """The reference's errors: code, mnemonic, message."""
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#errors tbody tr")
        return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows]

    def set_token(self, token: str) -> None:
        field = self.driver.find_element(By.ID, "token")
        field.clear()
        field.send_keys(token)

    def new_idempotency_key(self) -> str:
        """Press "New key" (shown only for a method that takes the header) and read the key it made."""
        self.driver.find_element(By.ID, "new-key").click()
        return self.field("idempotency-key")

    def shows_key_field(self) -> bool:
        return self.driver.find_element(By.ID, "key-row").is_displayed()

    def field(self, element_id: str) -> str:
        """What an input or textarea holds."""
        return str(self.driver.find_element(By.ID, element_id).get_attribute("value"))

    def params_text(self) -> str:
        return self.field("params-json")

    def set_params(self, text: str) -> None:
        area = self.driver.find_element(By.ID, "params-json")
        area.clear()
        area.send_keys(text)

    def answer_id(self) -> str | None:
        return self.driver.find_element(By.ID, "answer").get_attribute("data-id")

    def press_send(self) -> None:
        self.driver.find_element(By.ID, "send").click()

    def send(self) -> Shown:
        """Press Send and wait for the answer to be shown."""
        before = self.answer_id()
        self.press_send()
        self._wait().until(
            lambda d: self.answer_id() != before and d.find_element(By.ID, "send").is_enabled(),
            message="no answer shown",
        )
        limits: dict[str, dict[str, str]] = {}
        for row in self.driver.find_elements(By.CSS_SELECTOR, "#limits tbody tr"):
            cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            limits[str(row.get_attribute("data-period"))] = dict(
                zip(("limit", "remaining", "resets in"), cells, strict=True)
            )
        answer: dict[str, Any] = json.loads(self.text("answer"))
        return Shown(self.text("status"), answer, limits)

    def browser_errors(self) -> list[str]:
        """The page's errors logged since the last call: script errors, CSP refusals, failed loads."""
        # Selenium leaves this one method unannotated: a list of {"level", "message", ...}.
        entries: list[dict[str, Any]] = self.driver.get_log("browser")  # type: ignore[no-untyped-call]
        return [str(entry["message"]) for entry in entries if entry["level"] == "SEVERE"]

    def problem(self) -> str:
        """The params' problem as shown, or "" while there is none."""
        element = self.driver.find_element(By.ID, "params-problem")
        return element.text if element.is_displayed() else ""
