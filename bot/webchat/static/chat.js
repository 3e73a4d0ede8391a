// Geldhulp web chat: talks to the gateway over a websocket. No external scripts.
(function () {
  "use strict";
  var script = document.currentScript;
  var GREETING = {};
  try { GREETING = JSON.parse(script.dataset.greeting || "{}"); } catch (e) { GREETING = {}; }
  var TEXT = { offline: script.dataset.offline, notStored: script.dataset.notStored, you: script.dataset.you, bot: script.dataset.bot, uploaded: script.dataset.uploaded };
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("input");
  var status = document.getElementById("status");
  var ws = null, retry = 1000, counter = 0;
  // the first bubble of the reply now arriving: the page scrolls to it, not to the last one,
  // so the substance of a reply of several bubbles is on the screen
  var replyStart = null, lastFrom = null, lastAt = 0;
  var token = null;
  // what this page sent, by id: a message the gateway could not store is sent again with the
  // same id (stored once, whatever happens), waiting longer each time
  var sent = {}, sentIds = [];
  try { token = window.localStorage.getItem("geldhulp-token"); } catch (e) { token = null; }
  token = resumeToken() || token;  // a kept link (#hervat=…) reopens its own chat here
  var languageButton = document.getElementById("language");
  var asked = new URLSearchParams(window.location.search).get("lang");
  var ARABIC = /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/g;
  var CYRILLIC = /[\u0400-\u04FF]/g;
  var LETTER = /[A-Za-z\u00C0-\u024F\u0400-\u04FF\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/g;

  // The language a text is written in, as far as its letters tell: "ar" (Arabic letters),
  // "uk" (Cyrillic), or null (Latin letters: Dutch, English, Turkish or Polish look alike).
  function scriptLanguage(text) {
    var letters = (text.match(LETTER) || []).length;
    if (!letters) { return null; }
    if ((text.match(ARABIC) || []).length * 2 > letters) { return "ar"; }
    if ((text.match(CYRILLIC) || []).length * 2 > letters) { return "uk"; }
    return null;
  }

  // The page follows the assistant's language: right-to-left for Arabic. Each bubble has its
  // own dir, so a Dutch bubble stays left-to-right on an Arabic page and the other way round.
  function setPageLanguage(lang) {
    var root = document.documentElement;
    root.dir = lang === "ar" ? "rtl" : "ltr";
    root.lang = lang || "nl";
  }

  // Phone numbers become tel: links (digits only in the href) and web addresses links that open
  // in a new tab; both stay whole and left-to-right, also inside Arabic text (the LRM marks
  // around an address in an Arabic text stay outside the link). Built from DOM nodes: the
  // text is never parsed as HTML.
  var LINKABLE = new RegExp([
    String.raw`(https?:\/\/[^\s<>"'\u200E\u200F]+)`,                                // 1: https://…
    String.raw`|((?:www\.)?[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.(?:nl|com|org|eu|info)`,
    String.raw`(?:\/[^\s<>"'\u200E\u200F]*)?)(?![A-Za-z0-9])`,                    // 2: 113.nl/…
    String.raw`|((?:(?<![\w€.,])\+31[ \u00A0-]?|(?<![\w€.,+])0)[1-9](?:[ \u00A0-]?\d){8}(?!\d)`, // 3: 020-1234567
    String.raw`|(?<![\w€.,])0[89]00[ \u00A0-]?\d{4}(?:\d{3})?(?!\d)`,             //    0800-0113, 0900-8020
    String.raw`|(?<![\w€.,])140\d{2,3}(?!\d)`,                                    //    14070
    String.raw`|(?<![\w€.,\/])11[23](?!\d|[.,]\d|\.[A-Za-z]))`                    //    113, 112
  ].join(""), "g");
  var TRAILING = /[.,;:!?)\]]+$/;

  function telHref(number) {
    var digits = number.replace(/\D/g, "");
    if (number.charAt(0) === "+") { digits = "0" + digits.slice(2); }  // +31 20… -> 020…
    return "tel:" + digits;
  }

  function keepSpan(tag, part) {
    var el = document.createElement(tag);
    el.className = "keep";
    el.dir = "ltr";
    el.textContent = part;
    return el;
  }

  function fillText(el, text) {
    var at = 0, found;
    LINKABLE.lastIndex = 0;
    while ((found = LINKABLE.exec(text)) !== null) {
      var part = found[0], link = null, rest = "";
      if (found[1] || found[2]) {
        var trail = TRAILING.exec(part);
        if (trail) { rest = trail[0]; part = part.slice(0, -rest.length); }
        if (found[2] && text.charAt(found.index - 1) === "@") { continue; }  // an e-mail address
        link = keepSpan("a", part);
        link.href = found[1] ? part : "https://" + part;
        link.target = "_blank";
        link.rel = "noopener";
      } else {
        link = keepSpan("a", part);
        link.href = telHref(part);
      }
      if (found.index > at) { el.appendChild(document.createTextNode(text.slice(at, found.index))); }
      el.appendChild(link);
      if (rest) { el.appendChild(document.createTextNode(rest)); }
      at = found.index + found[0].length;
    }
    if (at < text.length) { el.appendChild(document.createTextNode(text.slice(at))); }
  }

  function payloadLanguage(payload) {
    var found = /^\/switch_language\{"language":"([a-z]{2})"\}$/.exec(payload || "");
    return found ? found[1] : null;
  }

  function authorLabel(from, author) {  // every message says who wrote it, seen and heard
    if (from === "me") { return TEXT.you; }
    if (author && author.name) { return author.role ? author.name + ", " + author.role : author.name; }
    return TEXT.bot;
  }

  // Earlier choice buttons are switched off (still read, no longer pressed or focused); when
  // the focus was on one of them, it goes to the text input.
  function retireChoices() {
    var moveFocus = false;
    Array.prototype.forEach.call(log.querySelectorAll(".choices:not(.choices--old)"), function (row) {
      row.classList.add("choices--old");
      Array.prototype.forEach.call(row.querySelectorAll("button"), function (btn) {
        if (btn === document.activeElement) { moveFocus = true; }
        btn.setAttribute("aria-disabled", "true");
        btn.tabIndex = -1;
      });
    });
    if (moveFocus) { input.focus({ preventScroll: true }); }
  }

  function add(from, text, buttons, author, quiet) {
    // a new reply starts with the resident's own message, or when another author writes; a
    // person types each message on its own, so each of theirs is seen as it arrives
    var now = Date.now();
    var byPerson = from === "person" || !!(author && author.name);
    var starts = from === "me" || byPerson || replyStart === null || lastFrom !== from || (!quiet && now - lastAt > 5000);
    if (starts) { retireChoices(); }
    lastFrom = from;
    lastAt = now;
    var kind = from === "me" ? "me" : (author && author.name) || from === "person" ? "person" : "bot";
    var div = document.createElement("div");
    div.className = "msg msg--" + kind;
    // each bubble has its own direction: Arabic right-to-left, the rest left-to-right (the
    // author label in front is Latin, so dir="auto" on the bubble would always say ltr)
    var lang = scriptLanguage(text || "");
    div.dir = lang === "ar" ? "rtl" : "ltr";
    if (lang) { div.lang = lang; }
    if (from !== "me" && text) {
      // Latin letters keep a chosen Latin-letter language (tr, pl, en); after Arabic or
      // Ukrainian they mean the assistant writes Dutch again
      var keep = document.documentElement.lang;
      setPageLanguage(lang || (keep === "ar" || keep === "uk" ? "nl" : keep));
    }
    var who = document.createElement("span");
    who.className = "who";
    who.dir = "auto";  // "Geldhulp:" stays "Geldhulp:" in a right-to-left bubble
    who.textContent = authorLabel(from, author) + ": ";
    div.appendChild(who);
    var body = document.createElement("span");
    body.className = "text";
    body.dir = "auto";
    fillText(body, text || "");  // text nodes, never HTML
    div.appendChild(body);
    buttons = withResumeLink(div, buttons);
    log.appendChild(div);
    var last = div;
    if (buttons && buttons.length) {
      var row = document.createElement("div");
      row.className = "choices";
      row.dir = "auto";
      buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.dir = "auto";
        btn.addEventListener("click", function () {
          if (row.classList.contains("choices--old")) { return; }
          send(b.title, b.payload);
          input.focus({ preventScroll: true });  // not an old button
        });
        row.appendChild(btn);
      });
      log.appendChild(row);
      last = row;
    }
    if (from === "me") {
      replyStart = null;
      reveal(last, "end");
    } else if (starts) {
      replyStart = div;
      if (!quiet) { reveal(div, "start"); }
    } else if (!quiet) {
      reveal(replyStart, "start");  // later bubbles of the same reply: keep its first one on top
    }
  }

  // A callback the resident wants to read elsewhere: the chat's own link, made here from
  // this page's key (it is never sent to the gateway or stored, so no member of staff sees
  // it). It opens this chat and its history in any browser until retention or forget-me
  // erases it; a guessed key opens an empty chat.
  // (read before these lines run, at the top: so literals inside the functions, no variables)

  function resumeToken() {
    var found = /^#hervat=([A-Za-z0-9_-]{20,64})$/.exec(window.location.hash || "");
    if (!found) { return null; }
    try { window.localStorage.setItem("geldhulp-token", found[1]); } catch (e) { /* private mode */ }
    if (window.history && window.history.replaceState) {  // not left in the address bar
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    return found[1];
  }

  function resumeUrl() {
    return window.location.origin + window.location.pathname + "#hervat=" + encodeURIComponent(token || "");
  }

  // the "#resume-link" choice is no button: the bubble shows the link, to copy or bookmark
  function withResumeLink(div, buttons) {
    var rest = [];
    (buttons || []).forEach(function (b) {
      if (b.payload !== "#resume-link") { rest.push(b); return; }
      var box = document.createElement("span");
      box.className = "resume";
      var label = document.createElement("span");
      label.className = "resume__label";
      label.textContent = b.title + ": ";
      var link = document.createElement("a");
      link.className = "resume__link";
      link.href = resumeUrl();
      link.textContent = link.href;
      link.dir = "ltr";
      box.appendChild(label);
      box.appendChild(link);
      div.appendChild(box);
    });
    return rest;
  }

  // the log scrolls on a wide screen, the page on a phone: both so that el is seen
  function reveal(el, where) {
    if (!el) { return; }
    if (where === "end") { log.scrollTop = log.scrollHeight; }
    else { log.scrollTop = el.offsetTop - log.offsetTop; }
    if (el.scrollIntoView) { el.scrollIntoView({ block: where }); }
  }

  // A new chat (no history) starts with one greeting bubble in the page's language: shown by
  // the page only (not sent, not stored). It does not say "computer": the first answer does.
  function greet() {
    var lang = document.documentElement.lang || "nl";
    var text = GREETING[lang] || GREETING.nl;
    if (!text) { return; }
    add("bot", text, [], null, true);
    log.lastElementChild.classList.add("msg--greeting");
  }

  function send(text, payload) {
    if (!ws || ws.readyState !== 1) { status.textContent = TEXT.offline; return; }
    counter += 1;
    var id = Date.now().toString(36) + "-" + counter;
    var message = { type: "message", id: id, text: payload ? "" : text, title: text, payload: payload || null };
    sent[id] = { message: message, wait: 2000, again: false };
    sentIds.push(id);
    if (sentIds.length > 50) { delete sent[sentIds.shift()]; }
    ws.send(JSON.stringify(message));
    add("me", text);
    var chosen = payloadLanguage(payload);
    if (chosen) { setPageLanguage(chosen); }
  }

  function notStored(id) {
    var entry = sent[id];
    if (!entry) { return; }
    status.textContent = TEXT.notStored;
    setTimeout(function () {
      if (ws && ws.readyState === 1) { ws.send(JSON.stringify(entry.message)); }
      else { entry.again = true; }  // sent when the connection is back
    }, entry.wait);
    entry.wait = Math.min(entry.wait * 2, 30000);
  }

  function connect() {
    var proto = window.location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + window.location.host + "/chat/ws");
    ws.onopen = function () {
      retry = 1000; status.textContent = "";
      ws.send(JSON.stringify({ type: "hello", token: token }));
      sentIds.forEach(function (id) {
        if (sent[id] && sent[id].again) { sent[id].again = false; ws.send(JSON.stringify(sent[id].message)); }
      });
    };
    ws.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "welcome") {
        token = data.token;
        try { window.localStorage.setItem("geldhulp-token", token); } catch (e) { /* private mode */ }
        log.textContent = "";
        replyStart = null; lastFrom = null;
        var earlier = data.history || [];
        earlier.forEach(function (m) { add(m.from, m.text, m.buttons, m.author, true); });
        if (data.closed) { retireChoices(); }
        if (!earlier.length) { greet(); }  // a closed chat: read only, until a new message
        if (earlier.length) { reveal(replyStart || log.lastElementChild, replyStart ? "start" : "end"); }
      } else if (data.type === "typing") {
        showTyping(true);
      } else if (data.type === "message") {
        if (status.textContent === TEXT.notStored) { status.textContent = ""; }
        showTyping(false);
        add(data.from, data.text, data.buttons, data.author);
      } else if (data.type === "error" && data.error === "unavailable") {
        notStored(data.id);
      }
    };
    ws.onclose = function () { status.textContent = TEXT.offline; setTimeout(connect, retry); retry = Math.min(retry * 2, 15000); };
  }

  // the language menu in the header: the same choice as typing "taal" (the assistant answers
  // with the languages switched on here)
  if (languageButton) {
    languageButton.addEventListener("click", function () { send(languageButton.textContent, languageButton.dataset.payload); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    send(text, null);
    input.value = "";
    input.focus();
  });
  // a photo or PDF of a letter: posted to /chat/upload; the gateway checks it (type by its
  // bytes, size) and answers in the chat, or says here why it did not take it
  var fileInput = document.getElementById("file");
  if (fileInput) {
    fileInput.addEventListener("change", function () {
      var file = fileInput.files && fileInput.files[0];
      if (!file || !token) { return; }
      counter += 1;
      var body = new FormData();
      body.append("token", token);
      body.append("id", Date.now().toString(36) + "-f" + counter);
      body.append("language", document.documentElement.lang || "nl");
      body.append("file", file);
      fileInput.value = "";
      fetch("/chat/upload", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, data: data }; }); })
        .then(function (result) {
          if (result.ok) { add("me", TEXT.uploaded); }
          else if (result.data && result.data.message) { add("bot", result.data.message); }
          else { status.textContent = TEXT.notStored; }
        })
        .catch(function () { status.textContent = TEXT.offline; });
    });
  }
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  // Typing indicators, no content: a person typing in the console shows one status line for a
  // few seconds (or until their message); the resident's own typing is sent at most every 3 s.
  var TYPING = {};
  try { TYPING = JSON.parse(script.dataset.typing || "{}"); } catch (e) { TYPING = {}; }
  var typingLine = document.getElementById("typing"), typingTimer = null, typedAt = 0;
  function showTyping(on) {
    if (!typingLine) { return; }
    window.clearTimeout(typingTimer);
    var text = on ? (TYPING[document.documentElement.lang || "nl"] || TYPING.nl || "") : "";
    if (typingLine.textContent !== text) { typingLine.textContent = text; }
    if (on) { typingTimer = window.setTimeout(function () { showTyping(false); }, 6000); }
  }
  input.addEventListener("input", function () {
    var now = Date.now();
    if (!input.value.trim() || now - typedAt < 3000 || !ws || ws.readyState !== 1) { return; }
    typedAt = now;
    ws.send(JSON.stringify({ type: "typing" }));
  });
  if (asked && Object.prototype.hasOwnProperty.call(GREETING, asked)) { setPageLanguage(asked); }
  connect();
})();
