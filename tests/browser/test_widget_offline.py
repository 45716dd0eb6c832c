"""The widget when the Rasa server cannot be reached, and "Réessayer" once it is back.

Uses an assistant of its own (never the shared one), stopped and restarted here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.assistant import Assistant
from tests.browser.widget import (
    blocking_violations,
    bot_messages,
    demo_url,
    message_input,
    open_widget,
    run_axe,
    stored_state,
    transcript,
    user_messages,
    widget_violations,
)

OFFLINE = "Impossible de joindre l'assistant pour le moment"


@pytest.fixture()
def own_assistant(tmp_path: Path) -> Iterator[Assistant]:
    running = Assistant(tmp_path).start()
    yield running
    if running.process is not None and running.process.poll() is None:
        running.stop()
    # Shown by pytest only if the test failed.
    print(f"--- bot run log (last start) ---\n{running.latest_log()[-4000:]}")


def test_an_unreachable_server_gives_a_french_alert_and_retry_works_once_back(
    page: Page, own_assistant: Assistant
) -> None:
    page.goto(demo_url(own_assistant))
    open_widget(page)
    assert own_assistant.stop() == 0

    last_message_at = stored_state(page)["lastMessageAt"]
    question = "c'est quoi l'école ouverte ?"
    message_input(page).fill(question)
    message_input(page).press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(OFFLINE)
    expect(alert).to_contain_text("Réessayer")
    retry = alert.get_by_role("button", name="Réessayer")
    expect(retry).to_be_visible()
    expect(user_messages(page)).to_have_text([question])  # shown once, marked as not sent
    expect(transcript(page).locator(".cw-failed")).to_have_text(["Message non envoyé"])
    expect(page.get_by_role("status")).to_have_text("")
    # Retrying while the server is still down keeps the alert (and sends nothing twice).
    retry.click()
    expect(alert.get_by_role("button", name="Réessayer")).to_be_visible()
    expect(user_messages(page)).to_have_count(1)
    # A message that never reached the server does not extend the browser's copy.
    assert stored_state(page)["lastMessageAt"] == last_message_at
    results = run_axe(page, "widget-offline")
    assert blocking_violations(results) == []
    assert widget_violations(results) == []

    # The same assistant comes back, on the same ports.
    own_assistant.start()
    alert.get_by_role("button", name="Réessayer").click()
    # The first answer after a start can be slow on a loaded machine.
    expect(bot_messages(page).last).to_contain_text(
        "comité de pilotage École ouverte", timeout=30_000
    )
    expect(alert).to_have_text("")
    expect(transcript(page).locator(".cw-failed")).to_have_count(0)
    expect(user_messages(page)).to_have_text([question])
    assert stored_state(page)["lastMessageAt"] > last_message_at
