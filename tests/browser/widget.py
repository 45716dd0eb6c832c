"""What the browser tests share: how to launch Chromium and how to drive the widget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

from playwright.sync_api import Locator, Page, expect

from tests.assistant import PROJECT_DIR, Assistant

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
AXE_JS = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_DIR / "reports" / "screenshots"
AXE_REPORTS = PROJECT_DIR / "reports" / "axe"

CONTACT_EMAIL = "DRJSCS34-COHESION-SOCIALE@drjscs.gouv.fr"
AREAS = {
    "Accès à l'éducation": "/education_access",
    "Accès à l'emploi": "/employment_access",
    "Prévention des discriminations": "/discrimination_prevention",
}
LAUNCHER_NAME = "Une question ?"
PANEL_NAME = "Assistant égalité des chances"
INPUT_LABEL = "Votre message"
STORAGE_KEY = "chat-widget"


def chromium_missing_message() -> str:
    return (
        f"Chromium is missing at {CHROMIUM}: the widget tests drive Debian's Chromium. "
        "Install it with `make browser` (apt-get install chromium); "
        "never `playwright install`."
    )


def demo_url(assistant: Assistant, page: str = "") -> str:
    return f"http://localhost:{assistant.web_port}/{page}"


def launcher(page: Page) -> Locator:
    # Hidden under the full-screen panel on phones, hence include_hidden.
    return page.get_by_role("button", name=LAUNCHER_NAME, include_hidden=True)


def panel(page: Page) -> Locator:
    return page.get_by_role("region", name=PANEL_NAME)


def message_input(page: Page) -> Locator:
    return page.get_by_label(INPUT_LABEL)


def transcript(page: Page) -> Locator:
    return page.get_by_role("log")


def bot_messages(page: Page) -> Locator:
    """The texts of the bot's bubbles (without the "L'assistant :" prefix for screen readers)."""
    return transcript(page).locator(".cw-message--bot .cw-text")


def user_messages(page: Page) -> Locator:
    """The texts of the person's bubbles (without the "Vous :" prefix for screen readers)."""
    return transcript(page).locator(".cw-message--user .cw-text")


def quick_reply(page: Page, title: str) -> Locator:
    return transcript(page).get_by_role("button", name=title, exact=True)


def open_widget(page: Page) -> None:
    """Opens the panel and waits for the welcome message and its three topic buttons."""
    launcher(page).click()
    expect(launcher(page)).to_have_attribute("aria-expanded", "true")
    expect(bot_messages(page).first).to_contain_text("Bonjour et bienvenue")
    for title in AREAS:
        expect(quick_reply(page, title)).to_be_visible()


def send(page: Page, text: str) -> None:
    """Types a message and presses Enter, then waits for the answer to be shown."""
    answers = bot_messages(page).count()
    message_input(page).fill(text)
    message_input(page).press("Enter")
    expect(user_messages(page).last).to_have_text(text)
    expect(bot_messages(page)).not_to_have_count(answers)
    expect(page.get_by_role("status")).to_have_text("")


def stored_state(page: Page) -> Dict[str, Any]:
    return json.loads(page.evaluate(f"localStorage.getItem({json.dumps(STORAGE_KEY)})"))


def texts(locator: Locator) -> List[str]:
    return [text.strip() for text in locator.all_inner_texts()]


def run_axe(page: Page, name: str) -> Dict[str, Any]:
    """Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page; prints and saves a summary."""
    assert AXE_JS.exists(), f"{AXE_JS} is missing: run `npm install` in {PROJECT_DIR}"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        """async () => {
            const r = await axe.run(document, {elementRef: true, runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            // In the widget: inside its root, or named by one of its ids or classes
            // (axe names nodes by id when it can: #cw-…-input).
            const inWidget = (n) => (n.element instanceof Element &&
                n.element.closest('.cw-root') !== null) ||
                n.target.flat().some((t) => /[#.]cw-/.test(t));
            const brief = (items) => items.map((i) => ({id: i.id, impact: i.impact,
                help: i.help, nodes: i.nodes.map((n) => n.target.join(' ')).slice(0, 5),
                widgetNodes: i.nodes.filter(inWidget).map((n) => n.target.join(' '))}));
            return {version: r.testEngine.version, passes: r.passes.length,
                    inapplicable: r.inapplicable.length,
                    violations: brief(r.violations), incomplete: brief(r.incomplete)};
        }"""
    )
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"{name}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(
        f"\naxe-core {results['version']} [{name}]: {len(results['violations'])} violation(s), "
        f"{len(results['incomplete'])} to review by hand (incomplete), "
        f"{results['passes']} rules passed, {results['inapplicable']} not applicable"
    )
    for kind, label in (("violations", "violation"), ("incomplete", "to review")):
        for item in results[kind]:
            print(
                f"  {label}: {item['id']} ({item['impact']}) {item['help']}: "
                f"{', '.join(item['nodes'])}"
            )
    return results


def blocking_violations(results: Dict[str, Any]) -> List[str]:
    """The serious and critical violations, anywhere in the page."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def widget_violations(results: Dict[str, Any]) -> List[str]:
    """The violations axe located in the widget, whatever their impact."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['widgetNodes']}"
        for v in results["violations"]
        if v["widgetNodes"]
    ]


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.mouse.move(0, 0)  # no hover effect left where the last click was
    page.screenshot(path=str(path))
    return path
