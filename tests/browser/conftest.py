"""Browser tests of the chat widget: Playwright (sync API) driving Debian's Chromium.

Playwright never downloads a browser here (no `playwright install`): the tests
use /usr/bin/chromium, which `make browser` installs. Without it they fail.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, List

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser.widget import CHROMIUM, LAUNCH_ARGS, chromium_missing_message


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module."""
    if not CHROMIUM.exists():
        pytest.fail(chromium_missing_message(), pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Fresh browser profiles (own localStorage), closed after the test.

    An uncaught JavaScript error in any of their pages fails the test.
    """
    contexts: List[BrowserContext] = []
    errors: List[str] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        options.setdefault("locale", "fr-FR")
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        context.on("weberror", lambda error: errors.append(str(error.error)))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


@pytest.fixture()
def page(new_context: Callable[..., BrowserContext]) -> Page:
    """A desktop page (1280x800) in a fresh profile."""
    return new_context().new_page()
