"""The chat widget against the real assistant: conversation, persistence, keyboard, mobile."""

from __future__ import annotations

from typing import Callable, List

from playwright.sync_api import BrowserContext, Page, Request, expect

from tests.assistant import Assistant
from tests.browser.widget import (
    AREAS,
    CHROMIUM,
    CONTACT_EMAIL,
    bot_messages,
    chromium_missing_message,
    demo_url,
    launcher,
    message_input,
    open_widget,
    panel,
    quick_reply,
    screenshot,
    send,
    stored_state,
    texts,
    transcript,
    user_messages,
)


def webhook_posts(page: Page) -> List[str]:
    """Records the messages the page sends to the REST channel."""
    sent: List[str] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/webhooks/rest/webhook"):
            sent.append(request.post_data_json["message"])

    page.on("request", record)
    return sent


def test_debian_chromium_is_installed() -> None:
    """Fails (not skips) without the browser: the other tests would only error."""
    assert CHROMIUM.exists(), chromium_missing_message()


def test_the_launcher_opens_the_panel_with_the_welcome_and_three_topics(
    page: Page, assistant: Assistant
) -> None:
    sent = webhook_posts(page)
    page.goto(demo_url(assistant))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agir pour l'égalité des chances")
    # One script tag in the page; the script adds its own stylesheet.
    expect(page.locator("script[src$='chat-widget.js']")).to_have_count(1)
    expect(page.locator("link[href$='/widget/chat-widget.css']")).to_have_count(1)
    button = launcher(page)
    expect(button).to_have_css("position", "fixed")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(panel(page)).to_be_hidden()

    open_widget(page)
    expect(panel(page)).to_be_visible()
    expect(message_input(page)).to_be_focused()
    root = page.locator(".cw-root")
    expect(root).to_have_attribute("lang", "fr")
    expect(transcript(page)).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("status")).to_have_count(1)
    expect(page.get_by_role("alert")).to_have_count(1)
    expect(panel(page)).to_contain_text("assistant automatisé")
    expect(panel(page)).to_contain_text("Ne lui communiquez aucune donnée personnelle")
    privacy = panel(page).get_by_role("link", name="Vos données et l'assistant en ligne")
    expect(privacy).to_have_attribute("href", demo_url(assistant, "confidentialite.html"))
    # The welcome is asked once, silently: no "/greet" bubble.
    assert sent == ["/greet"]
    expect(user_messages(page)).to_have_count(0)
    assert len(stored_state(page)["sender"]) == 36  # a UUID from crypto.randomUUID()

    button.click()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(panel(page)).to_be_hidden()
    button.click()
    expect(panel(page)).to_be_visible()
    assert sent == ["/greet"], "reopening must not greet again"


def test_a_conversation_is_kept_across_reloads_until_a_new_conversation(
    page: Page, assistant: Assistant
) -> None:
    page.goto(demo_url(assistant))
    open_widget(page)

    # A quick reply sends its payload and shows its title.
    sent = webhook_posts(page)
    quick_reply(page, "Accès à l'éducation").click()
    expect(user_messages(page).last).to_have_text("Accès à l'éducation")
    expect(bot_messages(page).last).to_contain_text("partenariat avec l'Éducation nationale")
    assert sent == ["/education_access"]
    expect(quick_reply(page, "École ouverte")).to_be_visible()
    expect(quick_reply(page, "Accès à l'emploi")).to_have_count(0)  # answered: gone

    send(page, "c'est quoi l'école ouverte ?")
    expect(bot_messages(page).last).to_contain_text("comité de pilotage École ouverte")
    screenshot(page, "widget-desktop.png")

    send(page, "je voudrais parler à quelqu'un")
    mailto = transcript(page).locator(f'a[href^="mailto:{CONTACT_EMAIL}?"]')
    expect(mailto).to_have_count(1)
    expect(mailto).to_contain_text(CONTACT_EMAIL)
    expect(mailto).not_to_have_attribute("target", "_blank")
    expect(mailto).to_have_attribute("rel", "noopener noreferrer")

    shown = texts(transcript(page).locator(".cw-message"))
    sender = stored_state(page)["sender"]
    page.reload()
    # Still open in this tab, same conversation, and nothing sent again.
    expect(panel(page)).to_be_visible()
    expect(transcript(page).locator(".cw-message")).to_have_count(len(shown))
    assert texts(transcript(page).locator(".cw-message")) == shown
    expect(transcript(page).locator(f'a[href^="mailto:{CONTACT_EMAIL}?"]')).to_have_count(1)
    assert stored_state(page)["sender"] == sender

    page.get_by_role("button", name="Nouvelle conversation").click()
    expect(user_messages(page)).to_have_count(0)
    expect(bot_messages(page)).to_have_count(1)
    expect(bot_messages(page).first).to_contain_text("Bonjour et bienvenue")
    for title in AREAS:
        expect(quick_reply(page, title)).to_be_visible()
    expect(message_input(page)).to_be_focused()
    state = stored_state(page)
    assert state["sender"] != sender
    assert len(state["messages"]) == 1


def test_a_bare_url_from_the_bot_is_a_link_opening_a_new_window(
    page: Page, assistant: Assistant
) -> None:
    page.goto(demo_url(assistant))
    open_widget(page)
    send(page, "j'ai été victime de discrimination")
    link = transcript(page).locator('a[href="https://www.antidiscriminations.fr/"]')
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    # The full stop after the address is not part of the link; the name warns of the window.
    expect(link).to_have_accessible_name("https://www.antidiscriminations.fr (nouvelle fenêtre)")


def test_the_typing_indicator_is_a_status_shown_while_waiting(
    page: Page, assistant: Assistant
) -> None:
    page.goto(demo_url(assistant))
    open_widget(page)
    page.evaluate(
        """() => {
            window.__statusTexts = [];
            const status = document.querySelector('[role=status]');
            new MutationObserver(() => window.__statusTexts.push(status.textContent))
                .observe(status, {childList: true, subtree: true, characterData: true});
        }"""
    )
    send(page, "c'est quoi l'Acsé ?")
    seen = page.evaluate("window.__statusTexts")
    assert "L'assistant rédige sa réponse…" in seen
    expect(page.get_by_role("status")).to_have_text("")


def test_the_widget_works_with_the_keyboard_alone(page: Page, assistant: Assistant) -> None:
    page.goto(demo_url(assistant))
    button = launcher(page)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('cw-launcher')"):
            break
    expect(button).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused launcher shows a focus ring"

    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(message_input(page)).to_be_focused()
    expect(quick_reply(page, "Prévention des discriminations")).to_be_visible()

    # The quick replies are just before the input in the tab order.
    page.keyboard.press("Shift+Tab")
    expect(quick_reply(page, "Prévention des discriminations")).to_be_focused()
    ring = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert ring[0] == "solid" and ring[1] >= 2
    page.keyboard.press("Enter")
    expect(user_messages(page).last).to_have_text("Prévention des discriminations")
    expect(bot_messages(page).last).to_contain_text("18 critères")
    expect(message_input(page)).to_be_focused()

    page.keyboard.type("c'est quoi l'école ouverte ?")
    page.keyboard.press("Enter")
    expect(user_messages(page).last).to_have_text("c'est quoi l'école ouverte ?")
    expect(bot_messages(page).last).to_contain_text("comité de pilotage École ouverte")
    expect(message_input(page)).to_have_value("")
    expect(message_input(page)).to_be_focused()

    # No focus trap: Tab goes on past the send button and out of the widget.
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Envoyer")).to_be_focused()
    page.keyboard.press("Tab")
    assert not page.evaluate("document.querySelector('.cw-root').contains(document.activeElement)")

    # Escape closes and gives the focus back to the launcher.
    message_input(page).focus()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(panel(page)).to_be_hidden()
    expect(button).to_be_focused()


def test_another_tab_of_the_site_follows_the_conversation(
    new_context: Callable[..., BrowserContext], assistant: Assistant
) -> None:
    context = new_context()
    first, second = context.new_page(), context.new_page()
    first.goto(demo_url(assistant))
    open_widget(first)
    second.goto(demo_url(assistant, "confidentialite.html"))
    open_widget(second)  # same conversation: the welcome comes from storage
    assert stored_state(first)["sender"] == stored_state(second)["sender"]
    expect(bot_messages(second)).to_have_count(1)

    send(first, "c'est quoi l'école ouverte ?")
    expect(user_messages(second)).to_have_text(["c'est quoi l'école ouverte ?"])
    expect(bot_messages(second).last).to_contain_text("comité de pilotage École ouverte")

    second.get_by_role("button", name="Nouvelle conversation").click()
    expect(user_messages(first)).to_have_count(0)
    expect(bot_messages(first)).to_have_count(1)
    expect(bot_messages(first).first).to_contain_text("Bonjour et bienvenue")


def test_the_privacy_note_and_the_conversation_on_another_page(
    page: Page, assistant: Assistant
) -> None:
    page.goto(demo_url(assistant))
    open_widget(page)
    send(page, "c'est quoi l'école ouverte ?")
    panel(page).get_by_role("link", name="Vos données et l'assistant en ligne").click()
    page.wait_for_url("**/confidentialite.html")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    main = page.get_by_role("main")
    expect(main).to_contain_text("durée de conservation : 30 jours")
    expect(main).to_contain_text("base de données de l'assistant")
    expect(main).to_contain_text("améliorer les réponses")
    expect(main.locator(f'a[href="mailto:{CONTACT_EMAIL}"]')).to_have_count(1)
    # The panel stays open from page to page of the tab, with the conversation.
    expect(panel(page)).to_be_visible()
    expect(user_messages(page)).to_have_text(["c'est quoi l'école ouverte ?"])


def test_the_panel_fills_a_phone_screen_and_nothing_overflows_at_320_px(
    new_context: Callable[..., BrowserContext], assistant: Assistant
) -> None:
    page = new_context(viewport={"width": 360, "height": 740}, has_touch=True).new_page()
    page.goto(demo_url(assistant))
    open_widget(page)
    box = panel(page).bounding_box()
    assert box == {"x": 0, "y": 0, "width": 360, "height": 740}
    quick_reply(page, "Accès à l'emploi").click()
    expect(bot_messages(page).last).to_contain_text("parrainage")
    screenshot(page, "widget-mobile.png")
    # The launcher, under the full-screen panel, is out of the way; "Fermer" closes.
    expect(launcher(page)).to_be_hidden()
    page.get_by_role("button", name="Fermer la discussion").click()
    expect(launcher(page)).to_be_focused()

    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320
    launcher(page).click()
    box = panel(page).bounding_box()
    assert box is not None and box["width"] == 320
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320
    for control in (message_input(page), page.get_by_role("button", name="Envoyer")):
        control_box = control.bounding_box()
        assert control_box is not None and control_box["x"] + control_box["width"] <= 320
    assert page.evaluate(
        "(() => { const log = document.querySelector('[role=log]');"
        " return log.scrollWidth <= log.clientWidth; })()"
    ), "no message is wider than the panel"


def test_the_panel_is_usable_at_200_percent_zoom(
    new_context: Callable[..., BrowserContext], assistant: Assistant
) -> None:
    # A 1280x800 window at 200 % zoom: 640x400 CSS pixels at two device pixels each.
    page = new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2).new_page()
    page.goto(demo_url(assistant))
    open_widget(page)
    assert panel(page).bounding_box() == {"x": 0, "y": 0, "width": 640, "height": 400}
    send(page, "c'est quoi l'école ouverte ?")
    for control in (message_input(page), page.get_by_role("button", name="Envoyer")):
        expect(control).to_be_in_viewport()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 640
