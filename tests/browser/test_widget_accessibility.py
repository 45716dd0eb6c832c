"""axe-core (WCAG 2.0/2.1 A and AA rules) on the demo page, widget closed and open,
and what axe cannot judge: reduced motion."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

from playwright.sync_api import BrowserContext, Page, expect

from tests.assistant import Assistant
from tests.browser.widget import (
    bot_messages,
    demo_url,
    launcher,
    open_widget,
    quick_reply,
    run_axe,
    send,
)

BLOCKING = ("serious", "critical")


def blocking(results: Dict[str, Any]) -> List[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


def test_axe_finds_no_serious_violation_with_the_widget_closed(
    page: Page, assistant: Assistant
) -> None:
    page.goto(demo_url(assistant))
    expect(launcher(page)).to_be_visible()
    results = run_axe(page, "widget-closed")
    assert blocking(results) == []
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
    assert blocking(results) == []
    # Nothing at all (even minor) is reported inside the widget itself.
    in_widget = [v for v in results["violations"] if any(".cw-" in n for n in v["nodes"])]
    assert in_widget == []


def test_axe_on_the_privacy_page(page: Page, assistant: Assistant) -> None:
    page.goto(demo_url(assistant, "confidentialite.html"))
    expect(launcher(page)).to_be_visible()
    assert blocking(run_axe(page, "privacy-page")) == []


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
