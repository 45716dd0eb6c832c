/*!
 * Chat widget for the "Agir pour l'égalité des chances" assistant (Rasa REST channel).
 *
 * Dependency-free, no build step. Embed with one script tag; the script loads
 * chat-widget.css from its own folder:
 *
 *   <script src="/widget/chat-widget.js" defer
 *           data-server-url="http://localhost:5005"
 *           data-title="Assistant égalité des chances"
 *           data-max-length="1000"
 *           data-session-minutes="60"></script>
 *
 * See docs/widget.md for every data- attribute.
 *
 * Safety rule for this file: text from the bot or the user is only ever put in
 * the page through textContent / createTextNode, never through innerHTML.
 */
(function () {
  "use strict";

  var script = document.currentScript ||
    document.querySelector("script[src*='chat-widget.js']");
  if (!script || window.__chatWidgetLoaded) {
    return;
  }
  window.__chatWidgetLoaded = true;

  // ---------------------------------------------------------------------------
  // Settings (data- attributes of the script tag)
  // ---------------------------------------------------------------------------

  var DEFAULTS = {
    serverUrl: "http://localhost:5005",
    title: "Assistant égalité des chances",
    maxLength: 1000,
    // The conversation session of the server (domain.yml: session_expiration_time).
    sessionMinutes: 60,
    greeting: "/greet",
    storageKey: "chat-widget"
  };
  var REQUEST_TIMEOUT_MS = 30000;
  var MAX_STORED_MESSAGES = 200;
  var MAX_TIMER_MS = 2147483647; // setTimeout fires at once beyond this
  var SAFE_PROTOCOLS = ["http:", "https:", "mailto:"];

  /** French typography: no line break before : ; ! ? » nor after «. */
  function frenchSpaces(text) {
    return text.replace(/ ([:;!?»])/g, "\u00a0$1").replace(/« /g, "«\u00a0");
  }

  // Every text of the widget itself, in French (vouvoiement).
  var TEXT = {
    launcher: "Une question ?",
    launcherMore: " Discuter avec l'assistant automatisé",
    close: "Fermer la discussion",
    notice: "Vous échangez avec un assistant automatisé, pas avec une personne. " +
      "Ne lui communiquez aucune donnée personnelle (nom, adresse, santé…). ",
    privacyLink: "Vos données et l'assistant en ligne",
    reset: "Nouvelle conversation",
    log: "Conversation avec l'assistant",
    label: "Votre message",
    limit: "{max} caractères au maximum",
    keys: ". Entrée pour envoyer, Maj+Entrée pour aller à la ligne.",
    send: "Envoyer",
    you: "Vous : ",
    bot: "L'assistant : ",
    newWindow: " (nouvelle fenêtre)",
    quickReplies: "Réponses proposées",
    notSent: "Message non envoyé",
    typing: "L'assistant rédige sa réponse…",
    offline: "Impossible de joindre l'assistant pour le moment. Vérifiez votre connexion " +
      "à Internet, puis choisissez « Réessayer ».",
    retry: "Réessayer",
    tooLong: "Votre message n'a pas été envoyé : il compte {length} caractères, pour " +
      "{max} au maximum. Pouvez-vous le raccourcir ?"
  };
  Object.keys(TEXT).forEach(function (key) {
    TEXT[key] = frenchSpaces(TEXT[key]);
  });

  /** An attribute's value, or null when absent, empty or an unreplaced placeholder. */
  function attr(name) {
    var value = script.getAttribute("data-" + name);
    if (value === null) {
      return null;
    }
    value = value.trim();
    return value === "" || /^__[A-Z_]+__$/.test(value) ? null : value;
  }

  function positive(number, fallback) {
    return number > 0 ? number : fallback;
  }

  var config = {
    serverUrl: (attr("server-url") || DEFAULTS.serverUrl).replace(/\/+$/, ""),
    title: frenchSpaces(attr("title") || DEFAULTS.title),
    maxLength: positive(parseInt(attr("max-length"), 10), DEFAULTS.maxLength),
    sessionMinutes: positive(parseFloat(attr("session-minutes")), DEFAULTS.sessionMinutes),
    privacyUrl: new URL(attr("privacy-url") || "../confidentialite.html",
      attr("privacy-url") ? document.baseURI : script.src).href,
    color: attr("color"),
    textColor: attr("text-color"),
    greeting: attr("greeting") || DEFAULTS.greeting,
    storageKey: attr("storage-key") || DEFAULTS.storageKey
  };
  var webhookUrl = config.serverUrl + "/webhooks/rest/webhook";
  // The browser's copy of the conversation (transcript and sender id) lasts no longer
  // than the server's session: this long after the last message that reached it.
  var retentionMs = config.sessionMinutes * 60 * 1000;

  // ---------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------

  /** Creates an element with attributes and children (strings become text nodes). */
  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      var value = attributes[key];
      if (value === null || value === undefined || value === false) {
        return;
      }
      if (key === "text") {
        node.textContent = value;
      } else {
        node.setAttribute(key, value === true ? "" : String(value));
      }
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function srOnly(text) {
    return el("span", { "class": "cw-sr-only", text: text });
  }

  var SVG_NS = "http://www.w3.org/2000/svg";

  /** A decorative icon: hidden from assistive technology. */
  function icon(pathData) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "cw-icon");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", pathData);
    svg.appendChild(path);
    return svg;
  }

  var ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  var ICON_CLOSE = "M6 6l12 12M18 6L6 18";

  /** Characters as Python counts them (code points), like the server's limit. */
  function charCount(text) {
    return Array.from(text).length;
  }

  function formatNumber(number) {
    try {
      return number.toLocaleString("fr-FR");
    } catch (e) {
      return String(number);
    }
  }

  /** An unguessable conversation id (anyone knowing it could write in the conversation). */
  function newSenderId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // Not a secure context: same format from getRandomValues.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20),
      hex.slice(20)].join("-");
  }

  var messageCounter = 0;
  function newMessageId() {
    messageCounter += 1;
    return Date.now().toString(36) + "-" + messageCounter + "-" +
      Math.random().toString(36).slice(2, 8);
  }

  // ---------------------------------------------------------------------------
  // Links: Markdown [label](url), bare http(s) URLs and e-mail addresses
  // ---------------------------------------------------------------------------

  var LINK_PATTERN = new RegExp(
    "\\[([^\\]\\n]+)\\]\\(([^)\\s]+)\\)" + // [label](url)
    "|(https?:\\/\\/[^\\s<>\"'\\]\\[]+)" + // bare URL
    "|([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,})", // bare e-mail address
    "g"
  );

  /** The absolute URL if its protocol is http, https or mailto; otherwise null. */
  function safeUrl(href) {
    var url;
    try {
      url = new URL(href);
    } catch (e) {
      return null; // relative or malformed: shown as text
    }
    return SAFE_PROTOCOLS.indexOf(url.protocol) === -1 ? null : url.href;
  }

  function linkNode(label, href) {
    var external = href.indexOf("mailto:") !== 0;
    var anchor = el("a", {
      href: href,
      "class": "cw-link",
      rel: "noopener noreferrer",
      target: external ? "_blank" : null
    }, [label]);
    if (external) {
      anchor.appendChild(srOnly(TEXT.newWindow));
    }
    return anchor;
  }

  /** Appends text with its line breaks as <br>, as text nodes only. */
  function appendText(parent, text, typeset) {
    if (typeset) {
      text = frenchSpaces(text);
    }
    text.split(/\r\n|\r|\n/).forEach(function (line, index) {
      if (index > 0) {
        parent.appendChild(document.createElement("br"));
      }
      if (line) {
        parent.appendChild(document.createTextNode(line));
      }
    });
  }

  /** Bot text: safe links become <a>, everything else stays text. */
  function appendRichText(parent, text) {
    var last = 0;
    var match;
    LINK_PATTERN.lastIndex = 0;
    while ((match = LINK_PATTERN.exec(text)) !== null) {
      var source = match[0];
      var label;
      var href;
      var trailing = "";
      if (match[1] !== undefined) {
        label = match[1];
        href = safeUrl(match[2]);
      } else if (match[3] !== undefined) {
        // Sentence punctuation after a bare URL is not part of it.
        var trimmed = source.replace(/[.,;:!?»)]+$/, "");
        trailing = source.slice(trimmed.length);
        source = trimmed;
        label = trimmed;
        href = safeUrl(trimmed);
      } else {
        var address = source.replace(/\.+$/, "");
        trailing = source.slice(address.length);
        source = address;
        label = address;
        href = safeUrl("mailto:" + address);
      }
      appendText(parent, text.slice(last, match.index), true);
      if (href) {
        parent.appendChild(linkNode(label, href));
      } else {
        appendText(parent, source, false); // e.g. [label](javascript:…) stays as typed
      }
      appendText(parent, trailing, true);
      last = match.index + match[0].length;
    }
    appendText(parent, text.slice(last), true);
  }

  // ---------------------------------------------------------------------------
  // Conversation state, shared by the tabs of the site through localStorage
  // ---------------------------------------------------------------------------

  var memoryStore = null; // used when localStorage is unavailable

  function freshState() {
    return { sender: newSenderId(), greeted: false, messages: [], lastMessageAt: Date.now() };
  }

  /** Expired (or a clock set back): the conversation must be forgotten. */
  function expired(state) {
    var age = Date.now() - (state.lastMessageAt || 0);
    return !(age >= 0 && age < retentionMs);
  }

  function loadState() {
    var raw = null;
    try {
      raw = window.localStorage.getItem(config.storageKey);
    } catch (e) {
      raw = memoryStore;
    }
    var state = null;
    try {
      state = raw ? JSON.parse(raw) : null;
    } catch (e) {
      state = null;
    }
    var valid = state && typeof state.sender === "string" && Array.isArray(state.messages) &&
      !expired(state);
    if (!valid) {
      state = freshState(); // replaces the stored transcript and sender id
      saveState(state);
    }
    return state;
  }

  function saveState(state) {
    if (state.messages.length > MAX_STORED_MESSAGES) {
      state.messages = state.messages.slice(-MAX_STORED_MESSAGES);
    }
    var raw = JSON.stringify(state);
    try {
      window.localStorage.setItem(config.storageKey, raw);
    } catch (e) {
      memoryStore = raw;
    }
    scheduleExpiry(state);
  }

  var expiryTimer = null;

  /** Forgets the conversation when it expires, also in a page left open meanwhile. */
  function scheduleExpiry(state) {
    clearTimeout(expiryTimer);
    var delay = state.lastMessageAt + retentionMs - Date.now() + 1000;
    expiryTimer = setTimeout(function () {
      scheduleExpiry(loadState()); // a fresh conversation if this one expired
      followState();
    }, Math.min(Math.max(delay, 0), MAX_TIMER_MS));
  }

  /** Read-modify-write on the freshest state (another tab may have written since). */
  function updateState(change) {
    var state = loadState();
    change(state);
    saveState(state);
    return state;
  }

  function currentSender() {
    return loadState().sender;
  }

  // ---------------------------------------------------------------------------
  // DOM of the widget
  // ---------------------------------------------------------------------------

  var uid = "cw-" + Math.random().toString(36).slice(2, 8);

  var launcher = el("button", {
    type: "button",
    "class": "cw-launcher",
    "aria-expanded": "false",
    "aria-controls": uid + "-panel"
  }, [
    icon(ICON_CHAT),
    el("span", { "class": "cw-launcher-text", text: TEXT.launcher }),
    srOnly(TEXT.launcherMore)
  ]);

  var closeButton = el("button", {
    type: "button",
    "class": "cw-close",
    "aria-label": TEXT.close,
    title: TEXT.close
  }, [icon(ICON_CLOSE)]);

  var titleNode = el("h2", { id: uid + "-title", "class": "cw-title", text: config.title });

  var privacyLink = el("a", { href: safeUrl(config.privacyUrl) || "#", "class": "cw-link" },
    [TEXT.privacyLink]);

  var notice = el("p", { "class": "cw-notice", id: uid + "-notice" }, [
    TEXT.notice,
    privacyLink
  ]);

  var resetButton = el("button", { type: "button", "class": "cw-reset" },
    [TEXT.reset]);

  var log = el("div", {
    "class": "cw-log",
    role: "log",
    "aria-live": "polite",
    "aria-label": TEXT.log,
    tabindex: "0"
  });

  var typing = el("div", { "class": "cw-typing", role: "status" });
  var alertBox = el("div", { "class": "cw-alert", role: "alert" });

  var input = el("textarea", {
    id: uid + "-input",
    "class": "cw-input",
    name: "message",
    rows: "1",
    autocomplete: "off",
    enterkeyhint: "send",
    "aria-describedby": uid + "-hint"
  });
  var hint = el("p", { id: uid + "-hint", "class": "cw-hint" }, [
    TEXT.limit.replace("{max}", formatNumber(config.maxLength)),
    srOnly(TEXT.keys)
  ]);
  var sendButton = el("button", { type: "submit", "class": "cw-send" }, [TEXT.send]);
  var form = el("form", { "class": "cw-form", novalidate: true }, [
    el("div", { "class": "cw-label-row" }, [
      el("label", { "for": uid + "-input", "class": "cw-label", text: TEXT.label }),
      hint
    ]),
    el("div", { "class": "cw-input-row" }, [input, sendButton])
  ]);

  var panel = el("section", {
    id: uid + "-panel",
    "class": "cw-panel",
    "aria-labelledby": uid + "-title",
    hidden: true
  }, [
    el("div", { "class": "cw-header" }, [titleNode, closeButton]),
    el("div", { "class": "cw-intro" }, [notice, resetButton]),
    log,
    typing,
    alertBox,
    form
  ]);

  var root = el("div", { "class": "cw-root", lang: "fr", "data-open": "false" },
    [launcher, panel]);
  root.hidden = true; // shown once the stylesheet has loaded (no unstyled flash)

  if (config.color) {
    root.style.setProperty("--cw-accent", config.color);
  }
  if (config.textColor) {
    root.style.setProperty("--cw-on-accent", config.textColor);
  }
  warnOnLowContrast(config.color || "#000091", config.textColor || "#ffffff");

  /** Relative luminance (WCAG 2.1) of a #rgb or #rrggbb colour; null for other syntaxes. */
  function luminance(color) {
    var hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color);
    if (!hex) {
      return null;
    }
    var digits = hex[1].length === 3 ? hex[1].replace(/./g, "$&$&") : hex[1];
    var channels = [0, 2, 4].map(function (i) {
      var c = parseInt(digits.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }

  /** Tells the integrator when data-color / data-text-color break the 4.5:1 contrast. */
  function warnOnLowContrast(background, foreground) {
    var a = luminance(background);
    var b = luminance(foreground);
    if (a === null || b === null) {
      return;
    }
    var ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5 && window.console) {
      window.console.warn("chat-widget: data-color " + background + " and data-text-color " +
        foreground + " have a contrast of " + ratio.toFixed(2) + ":1; at least 4.5:1 is needed.");
    }
  }

  // ---------------------------------------------------------------------------
  // Rendering
  // ---------------------------------------------------------------------------

  function renderMessage(message, showButtons) {
    var fromUser = message.from === "user";
    var bubble = el("div", {
      "class": "cw-message " + (fromUser ? "cw-message--user" : "cw-message--bot")
    });
    bubble.appendChild(srOnly(fromUser ? TEXT.you : TEXT.bot));
    var body = el("p", { "class": "cw-text" });
    if (fromUser) {
      appendText(body, message.text || "");
    } else {
      appendRichText(body, message.text || "");
    }
    bubble.appendChild(body);
    if (fromUser && message.failed) {
      bubble.appendChild(el("p", { "class": "cw-failed", text: TEXT.notSent }));
    }
    var item = el("div", {
      "class": "cw-item " + (fromUser ? "cw-item--user" : "cw-item--bot"),
      "data-id": message.id
    }, [bubble]);
    if (showButtons && message.buttons && message.buttons.length) {
      var group = el("div", {
        "class": "cw-quick-replies",
        role: "group",
        "aria-label": TEXT.quickReplies
      });
      message.buttons.forEach(function (button) {
        var quick = el("button", { type: "button", "class": "cw-quick-reply" },
          [String(button.title || button.payload || "")]);
        quick.addEventListener("click", function () {
          submit(String(button.payload || button.title || ""),
            String(button.title || button.payload || ""));
          input.focus();
        });
        group.appendChild(quick);
      });
      item.appendChild(group);
    }
    return item;
  }

  /** Quick replies are offered only after the last message of the person. */
  function lastUserIndex(messages) {
    for (var i = messages.length - 1; i >= 0; i -= 1) {
      if (messages[i].from === "user") {
        return i;
      }
    }
    return -1;
  }

  var renderedSender = null;

  function setFailedNote(item, failed) {
    var bubble = item.querySelector(".cw-message");
    var note = bubble.querySelector(".cw-failed");
    if (failed && !note) {
      bubble.appendChild(el("p", { "class": "cw-failed", text: TEXT.notSent }));
    } else if (!failed && note) {
      bubble.removeChild(note);
    }
  }

  /**
   * Shows the stored transcript. When the shown messages are the start of the
   * stored ones, only the new ones are appended, so that the log region does not
   * announce the whole conversation again.
   */
  function render() {
    var state = loadState();
    var messages = state.messages;
    var cut = lastUserIndex(messages);
    var shown = Array.prototype.slice.call(log.children);
    var samePrefix = renderedSender === state.sender && shown.length <= messages.length &&
      shown.every(function (item, i) {
        return item.getAttribute("data-id") === messages[i].id;
      });
    if (!samePrefix) {
      log.textContent = "";
      shown = [];
      renderedSender = state.sender;
    }
    shown.forEach(function (item, i) {
      var group = item.querySelector(".cw-quick-replies");
      if (group && i <= cut) {
        if (group.contains(document.activeElement)) {
          input.focus();
        }
        item.removeChild(group); // answered: the choice is no longer offered
      }
      if (messages[i].from === "user") {
        setFailedNote(item, !!messages[i].failed);
      }
    });
    var added = messages.length - shown.length;
    for (var i = shown.length; i < messages.length; i += 1) {
      log.appendChild(renderMessage(messages[i], i > cut));
    }
    if (added > 0 || !samePrefix) {
      scrollToLatest();
    }
  }

  /**
   * Scrolls to the end of the transcript, but never past the person's last
   * message: a long answer is then read from its start.
   */
  function scrollToLatest() {
    var bottom = log.scrollHeight - log.clientHeight;
    var items = log.querySelectorAll(".cw-item--user");
    var anchor = items.length ? items[items.length - 1] : log.firstElementChild;
    var top = anchor ? anchor.offsetTop - 12 : bottom;
    log.scrollTop = Math.max(0, Math.min(bottom, top));
  }

  function setTyping(on) {
    typing.textContent = "";
    if (on) {
      typing.appendChild(el("span", { "class": "cw-dots", "aria-hidden": "true" }, [
        el("span", { "class": "cw-dot" }), el("span", { "class": "cw-dot" }),
        el("span", { "class": "cw-dot" })
      ]));
      typing.appendChild(el("span", { text: TEXT.typing }));
    }
    typing.classList.toggle("cw-typing--on", on);
    scrollToLatest(); // the transcript's height just changed
  }

  function clearAlert() {
    alertBox.textContent = "";
    alertBox.classList.remove("cw-alert--on");
    input.removeAttribute("aria-invalid");
  }

  function showAlert(text, retry) {
    alertBox.textContent = "";
    alertBox.appendChild(el("p", { "class": "cw-alert-text", text: text }));
    if (retry) {
      var retryButton = el("button", { type: "button", "class": "cw-retry" }, [TEXT.retry]);
      retryButton.addEventListener("click", retry);
      alertBox.appendChild(retryButton);
    }
    alertBox.classList.add("cw-alert--on");
    scrollToLatest();
  }

  // ---------------------------------------------------------------------------
  // Talking to the Rasa REST channel
  // ---------------------------------------------------------------------------

  var queue = Promise.resolve();
  var pending = 0;

  function post(sender, message) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); },
      REQUEST_TIMEOUT_MS) : null;
    return fetch(webhookUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: message }),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    }).finally(function () {
      if (timer) {
        clearTimeout(timer);
      }
    });
  }

  function botMessages(reply) {
    return (Array.isArray(reply) ? reply : []).filter(function (item) {
      return item && (typeof item.text === "string" || Array.isArray(item.buttons));
    }).map(function (item) {
      return {
        id: newMessageId(),
        from: "bot",
        text: typeof item.text === "string" ? item.text : "",
        buttons: (item.buttons || []).filter(function (b) {
          return b && (b.title || b.payload);
        }).map(function (b) {
          return { title: String(b.title || b.payload), payload: String(b.payload || b.title) };
        })
      };
    });
  }

  /**
   * Sends one message in turn (messages keep their order). `entryId` is the
   * user's bubble of this message (null for the silent greeting).
   */
  function deliver(message, entryId) {
    var sender = currentSender();
    pending += 1;
    setTyping(true);
    queue = queue.then(function () {
      // Not later than the server's time of this message: the local copy cannot outlive
      // the session (a message that never reached the server does not count).
      var sentAt = Date.now();
      return post(sender, message).then(function (reply) {
        if (currentSender() !== sender) {
          return; // "Nouvelle conversation" meanwhile: the old answer is dropped
        }
        updateState(function (state) {
          state.messages.forEach(function (m) {
            if (m.id === entryId) {
              delete m.failed;
            }
          });
          state.messages = state.messages.concat(botMessages(reply));
          state.lastMessageAt = Math.max(state.lastMessageAt, sentAt);
        });
        clearAlert();
      }, function () {
        if (currentSender() !== sender) {
          return;
        }
        updateState(function (state) {
          if (entryId === null) {
            state.greeted = false;
          }
          state.messages.forEach(function (m) {
            if (m.id === entryId) {
              m.failed = true;
            }
          });
        });
        showAlert(
          TEXT.offline,
          function () { retry(message, entryId); }
        );
      }).then(function () {
        pending -= 1;
        setTyping(pending > 0);
        render();
      });
    });
  }

  function retry(message, entryId) {
    clearAlert();
    if (entryId === null) {
      greet();
    } else {
      deliver(message, entryId);
    }
    input.focus();
  }

  /** The welcome message, once per conversation. */
  function greet() {
    var state = loadState();
    if (state.greeted) {
      return;
    }
    updateState(function (s) { s.greeted = true; });
    deliver(config.greeting, null);
  }

  /** Sends what the person typed or chose; `shown` is what their bubble says. */
  function submit(message, shown) {
    var text = message.trim();
    if (!text) {
      return false;
    }
    var length = charCount(text);
    if (length > config.maxLength) {
      showAlert(
        TEXT.tooLong.replace("{length}", formatNumber(length))
          .replace("{max}", formatNumber(config.maxLength)));
      input.setAttribute("aria-invalid", "true");
      return false;
    }
    clearAlert();
    var entry = { id: newMessageId(), from: "user", text: (shown || text).trim() };
    updateState(function (state) { state.messages.push(entry); });
    render();
    deliver(text, entry.id);
    return true;
  }

  // ---------------------------------------------------------------------------
  // Opening, closing, events
  // ---------------------------------------------------------------------------

  var SESSION_OPEN_KEY = config.storageKey + ":open";

  function isOpen() {
    return !panel.hidden;
  }

  function rememberOpen(open) {
    try {
      window.sessionStorage.setItem(SESSION_OPEN_KEY, open ? "1" : "0");
    } catch (e) {
      // Private mode: the panel simply starts closed on the next page.
    }
  }

  function open(moveFocus) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.setAttribute("data-open", "true");
    rememberOpen(true);
    render();
    scrollToLatest(); // sizes are known only once the panel is shown
    greet();
    if (moveFocus) {
      input.focus();
    }
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.setAttribute("data-open", "false");
    rememberOpen(false);
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (isOpen()) {
      close();
    } else {
      open(true);
    }
  });

  closeButton.addEventListener("click", close);

  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) {
      event.preventDefault();
      close();
    }
  });

  resetButton.addEventListener("click", function () {
    var state = freshState();
    saveState(state);
    clearAlert();
    input.value = "";
    autosize();
    render();
    greet();
    input.focus();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submit(input.value)) {
      input.value = "";
      autosize();
    }
    input.focus();
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit();
      } else {
        form.dispatchEvent(new Event("submit", { cancelable: true }));
      }
    }
  });

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 160) + "px";
  }
  input.addEventListener("input", function () {
    autosize();
    if (input.getAttribute("aria-invalid") && charCount(input.value.trim()) <= config.maxLength) {
      clearAlert();
    }
  });

  var welcomePending = false;

  /**
   * Shows the stored conversation after a change from outside this page's own
   * actions. A new one (expired, or started in another tab) is welcomed when the
   * person comes back to the panel, not at once: a page left open must not keep
   * starting conversations on the server.
   */
  function followState() {
    if (loadState().sender !== renderedSender) {
      clearAlert();
      welcomePending = true;
    }
    render();
  }

  panel.addEventListener("focusin", function () {
    if (welcomePending) {
      welcomePending = false;
      greet();
    }
  });

  // Another tab of the site changed the conversation.
  window.addEventListener("storage", function (event) {
    if (event.key === config.storageKey || event.key === null) {
      followState();
    }
  });

  // ---------------------------------------------------------------------------
  // Start
  // ---------------------------------------------------------------------------

  function mount() {
    var stylesheet = el("link", {
      rel: "stylesheet",
      href: new URL("chat-widget.css", script.src).href
    });
    var shown = false;
    function show() {
      if (!shown) {
        shown = true;
        root.hidden = false;
      }
    }
    stylesheet.addEventListener("load", show);
    stylesheet.addEventListener("error", show); // unstyled but usable
    setTimeout(show, 3000);
    document.head.appendChild(stylesheet);
    document.body.appendChild(root);
    render();
    scheduleExpiry(loadState());
    var wasOpen = false;
    try {
      wasOpen = window.sessionStorage.getItem(SESSION_OPEN_KEY) === "1";
    } catch (e) {
      wasOpen = false;
    }
    if (wasOpen) {
      open(false); // kept open across pages of this tab, without stealing focus
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
