"""Hostile text stays text, unsafe links stay text, and too-long messages are not sent."""

from __future__ import annotations

import json
from typing import List

from playwright.sync_api import Page, Route, expect

from tests.assistant import Assistant
from tests.browser.widget import (
    bot_messages,
    demo_url,
    message_input,
    open_widget,
    quick_reply,
    send,
    transcript,
    user_messages,
)

HOSTILE_USER_MESSAGES = [
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=1</script>",
]

HOSTILE_BOT_TEXT = (
    '<img src=x onerror="window.__xss=1"> <script>window.__xss=1</script>\n'
    "[cliquez ici](javascript:window.__xss=1) "
    "[données](data:text/html,hello) "
    "[relatif](/admin) "
    "[site](https://example.org/page?a=1&b=2) "
    "[écrire](mailto:equipe@example.org?subject=Question) "
    "voir https://www.antidiscriminations.fr."
)


def test_what_the_person_types_is_shown_as_text_and_never_run(
    page: Page, assistant: Assistant
) -> None:
    page.goto(demo_url(assistant))
    open_widget(page)
    for hostile in HOSTILE_USER_MESSAGES:
        send(page, hostile)
        expect(user_messages(page).last).to_have_text(hostile)
    root = page.locator(".cw-root")
    expect(root.locator("img")).to_have_count(0)
    expect(root.locator("script")).to_have_count(0)
    page.wait_for_timeout(300)  # a broken image would have fired onerror by now
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_a_hostile_bot_message_is_shown_as_text_with_only_safe_links(
    page: Page, assistant: Assistant
) -> None:
    """The real server cannot be made to say this: the REST reply is replaced here."""

    def hostile_reply(route: Route) -> None:
        headers = {
            "Access-Control-Allow-Origin": f"http://localhost:{assistant.web_port}",
            "Access-Control-Allow-Headers": "content-type",
            "Access-Control-Allow-Methods": "POST, OPTIONS",
        }
        if route.request.method == "OPTIONS":
            route.fulfill(status=204, headers=headers)
            return
        reply = [
            {
                "recipient_id": "x",
                "text": HOSTILE_BOT_TEXT,
                "buttons": [{"title": "<b>gras</b>", "payload": "/greet"}],
            }
        ]
        route.fulfill(
            status=200, headers=headers, content_type="application/json", body=json.dumps(reply)
        )

    page.route("**/webhooks/rest/webhook", hostile_reply)
    page.goto(demo_url(assistant))
    page.get_by_role("button", name="Une question ?").click()
    message = bot_messages(page).first
    expect(message).to_contain_text('<img src=x onerror="window.__xss=1">')
    expect(message).to_contain_text("<script>window.__xss=1</script>")
    expect(message.locator("br")).to_have_count(1)  # the line break, as a <br>

    root = page.locator(".cw-root")
    expect(root.locator("img, script, b")).to_have_count(0)
    expect(page.locator('a[href^="javascript:"], a[href^="data:"]')).to_have_count(0)
    for source in (
        "[cliquez ici](javascript:window.__xss=1)",
        "[données](data:text/html,hello)",
        "[relatif](/admin)",
    ):
        expect(message).to_contain_text(source)

    links = message.locator("a")
    expect(links).to_have_count(3)
    site = message.get_by_role("link", name="site")
    expect(site).to_have_attribute("href", "https://example.org/page?a=1&b=2")
    expect(site).to_have_attribute("target", "_blank")
    expect(site).to_have_attribute("rel", "noopener noreferrer")
    mail = message.get_by_role("link", name="écrire")
    expect(mail).to_have_attribute("href", "mailto:equipe@example.org?subject=Question")
    expect(mail).not_to_have_attribute("target", "_blank")
    bare = message.locator('a[href="https://www.antidiscriminations.fr/"]')
    expect(bare).to_have_attribute("target", "_blank")

    expect(quick_reply(page, "<b>gras</b>")).to_be_visible()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_a_message_over_the_limit_is_refused_in_french_and_not_sent(
    page: Page, assistant: Assistant
) -> None:
    page.goto(demo_url(assistant))
    script = page.locator("script[src$='chat-widget.js']")
    expect(script).to_have_attribute("data-max-length", "1000")  # from the settings
    open_widget(page)
    posts: List[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    too_long = ("Bonjour, je voudrais savoir " * 60)[:1000] + "?"
    message_input(page).fill(too_long)
    message_input(page).press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(
        "Votre message n'a pas été envoyé : il compte 1 001 caractères, pour 1 000 au maximum."
    )
    expect(alert).to_contain_text("Pouvez-vous le raccourcir ?")
    expect(message_input(page)).to_have_attribute("aria-invalid", "true")
    expect(message_input(page)).to_have_value(too_long)  # kept, to be shortened
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_timeout(300)
    assert posts == []
    expect(user_messages(page)).to_have_count(0)

    # Shortened to the limit: the alert goes away and the message is sent.
    message_input(page).fill(too_long[:999] + "?")
    expect(alert).to_have_text("")
    expect(message_input(page)).not_to_have_attribute("aria-invalid", "true")
    message_input(page).press("Enter")
    expect(user_messages(page)).to_have_count(1)
    expect(bot_messages(page)).not_to_have_count(1)
    assert len(posts) == 1


def test_emoji_count_as_one_character_like_on_the_server(page: Page, assistant: Assistant) -> None:
    page.goto(demo_url(assistant))
    open_widget(page)
    send(page, "🙂" * 1000)  # 2000 UTF-16 units but 1000 characters: accepted
    expect(page.get_by_role("alert")).to_have_text("")
    expect(transcript(page).locator(".cw-failed")).to_have_count(0)
