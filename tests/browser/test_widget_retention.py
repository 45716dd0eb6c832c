"""The browser's copy of the conversation lasts no longer than the server's session.

The widget forgets the transcript and the sender id once domain.yml's
session_expiration_time has passed since the last message that reached the
server; a new conversation then starts.
"""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from bot.web import session_minutes
from tests.assistant import Assistant
from tests.browser.widget import (
    STORAGE_KEY,
    bot_messages,
    demo_url,
    launcher,
    message_input,
    open_widget,
    send,
    stored_state,
    user_messages,
)

SESSION_S = session_minutes() * 60
OLD_TEXT = "Mon ancien message"


def store_conversation(page: Page, age_s: float) -> str:
    """Stores a conversation whose last message is `age_s` old; returns its sender id."""
    sender = str(uuid.uuid4())
    page.evaluate(
        """([key, sender, text, age]) => localStorage.setItem(key, JSON.stringify({
            sender, greeted: true, lastMessageAt: Date.now() - age * 1000,
            messages: [{id: 'old-1', from: 'user', text},
                       {id: 'old-2', from: 'bot', text: 'Une ancienne réponse', buttons: []}]}))""",
        [STORAGE_KEY, sender, OLD_TEXT, age_s],
    )
    return sender


def reload(page: Page) -> None:
    page.reload()
    expect(launcher(page)).to_be_visible()  # the widget has read its storage


def test_an_expired_conversation_is_erased_at_the_next_visit(
    page: Page, assistant: Assistant
) -> None:
    page.goto(demo_url(assistant))
    expect(launcher(page)).to_be_visible()
    old_sender = store_conversation(page, SESSION_S + 60)
    reload(page)

    state = stored_state(page)
    assert state["sender"] != old_sender
    assert state["messages"] == []
    everything_stored = page.evaluate("JSON.stringify(localStorage)")
    assert old_sender not in everything_stored and OLD_TEXT not in everything_stored
    open_widget(page)  # a new conversation, with its welcome
    expect(user_messages(page)).to_have_count(0)
    assert stored_state(page)["sender"] == state["sender"]


def test_a_conversation_within_the_session_is_kept(page: Page, assistant: Assistant) -> None:
    page.goto(demo_url(assistant))
    expect(launcher(page)).to_be_visible()
    sender = store_conversation(page, SESSION_S - 60)
    reload(page)

    assert stored_state(page)["sender"] == sender
    launcher(page).click()
    expect(user_messages(page)).to_have_text([OLD_TEXT])


def test_each_exchange_restarts_the_count(page: Page, assistant: Assistant) -> None:
    page.goto(demo_url(assistant))
    expect(launcher(page)).to_be_visible()
    sender = store_conversation(page, SESSION_S - 60)  # a minute left
    reload(page)
    launcher(page).click()

    before = page.evaluate("Date.now()")
    send(page, "c'est quoi l'école ouverte ?")
    state = stored_state(page)
    assert state["sender"] == sender
    # Counted from when the message left, not from when the answer came back.
    assert before <= state["lastMessageAt"] <= page.evaluate("Date.now()")


def test_an_open_page_forgets_the_conversation_when_the_session_ends(
    page: Page, assistant: Assistant
) -> None:
    page.clock.install()  # the page's clock runs, and can be moved forward
    page.goto(demo_url(assistant))
    open_widget(page)
    first_sender = stored_state(page)["sender"]
    page.evaluate("document.activeElement.blur()")  # the person turns to something else

    page.clock.run_for(int(SESSION_S * 1000) - 5_000)
    expect(bot_messages(page)).to_have_count(1)  # still within the session
    page.clock.run_for(10_000)
    expect(bot_messages(page)).to_have_count(0)
    state = stored_state(page)
    assert state["sender"] != first_sender
    assert state["messages"] == []

    # Coming back to the panel starts the new conversation with its welcome.
    message_input(page).click()
    expect(bot_messages(page).first).to_contain_text("Bonjour et bienvenue")
    expect(user_messages(page)).to_have_count(0)
    assert stored_state(page)["sender"] == state["sender"]
