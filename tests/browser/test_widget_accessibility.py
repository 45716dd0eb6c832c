"""axe-core (WCAG 2.0/2.1 A and AA rules) on the demo page, widget closed and open,
and what axe cannot judge: reduced motion."""

from __future__ import annotations

from typing import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.assistant import Assistant
from tests.browser.widget import (
    blocking_violations,
    bot_messages,
    demo_url,
    launcher,
    open_widget,
    quick_reply,
    run_axe,
    send,
    widget_violations,
)


def test_axe_finds_no_serious_violation_with_the_widget_closed(
    page: Page, assistant: Assistant
) -> None:
    page.goto(demo_url(assistant))
    expect(launcher(page)).to_be_visible()
    results = run_axe(page, "widget-closed")
    assert blocking_violations(results) == []
    assert widget_violations(results) == []
    assert results["passes"] > 10, "axe ran its rules"


def test_axe_finds_no_serious_violation_with_the_widget_open(
    page: Page, assistant: Assistant
) -> None:
    page.goto(demo_url(assistant))
    open_widget(page)
    quick_reply(page, "Accès à l'emploi").click()
    expect(bot_messages(page).last).to_contain_text("parrainage")
    send(page, "je voudrais parler à quelqu'un")  # a mailto link in the transcript
    results = run_axe(page, "widget-open")
    assert blocking_violations(results) == []
    # Nothing at all (even minor) is reported inside the widget itself.
    assert widget_violations(results) == []


def test_axe_on_the_privacy_page(page: Page, assistant: Assistant) -> None:
    page.goto(demo_url(assistant, "confidentialite.html"))
    expect(launcher(page)).to_be_visible()
    results = run_axe(page, "privacy-page")
    assert blocking_violations(results) == []
    assert widget_violations(results) == []


def test_the_typing_dots_stand_still_when_motion_is_reduced(
    new_context: Callable[..., BrowserContext], assistant: Assistant
) -> None:
    animation = (
        "(() => { const dot = document.createElement('span'); dot.className = 'cw-dot';"
        " document.querySelector('.cw-typing').appendChild(dot);"
        " const name = getComputedStyle(dot).animationName; dot.remove(); return name; })()"
    )
    for motion, expected in (("no-preference", "cw-bounce"), ("reduce", "none")):
        page = new_context(reduced_motion=motion).new_page()
        page.goto(demo_url(assistant))
        expect(launcher(page)).to_be_visible()  # the stylesheet has loaded
        assert page.evaluate(animation) == expected, motion
