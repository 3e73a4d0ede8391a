// Geldhulp web chat: talks to the gateway over a websocket. No external scripts.
(function () {
  "use strict";
  var script = document.currentScript;
  var TEXT = { offline: script.dataset.offline, notStored: script.dataset.notStored, you: script.dataset.you, bot: script.dataset.bot };
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("input");
  var status = document.getElementById("status");
  var ws = null, retry = 1000, counter = 0;
  var token = null;
  // what this page sent, by id: a message the gateway could not store is sent again with the
  // same id (stored once, whatever happens), waiting longer each time
  var sent = {}, sentIds = [];
  try { token = window.localStorage.getItem("geldhulp-token"); } catch (e) { token = null; }

  function authorLabel(from, author) {  // every message says who wrote it, seen and heard
    if (from === "me") { return TEXT.you; }
    if (author && author.name) { return author.role ? author.name + ", " + author.role : author.name; }
    return TEXT.bot;
  }

  function add(from, text, buttons, author) {
    var kind = from === "me" ? "me" : (author && author.name) || from === "person" ? "person" : "bot";
    var div = document.createElement("div");
    div.className = "msg msg--" + kind;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = authorLabel(from, author) + ": ";
    div.appendChild(who);
    var body = document.createElement("span");
    body.className = "text";
    body.textContent = text || "";  // text, never HTML
    div.appendChild(body);
    log.appendChild(div);
    var last = div;
    if (buttons && buttons.length) {
      var row = document.createElement("div");
      row.className = "choices";
      buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.addEventListener("click", function () { send(b.title, b.payload); });
        row.appendChild(btn);
      });
      log.appendChild(row);
      last = row;
    }
    log.scrollTop = log.scrollHeight;  // the log scrolls on a wide screen,
    if (last.scrollIntoView) { last.scrollIntoView({ block: "end" }); }  // the page on a phone
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
        (data.history || []).forEach(function (m) { add(m.from, m.text, m.buttons, m.author); });
      } else if (data.type === "message") {
        if (status.textContent === TEXT.notStored) { status.textContent = ""; }
        add(data.from, data.text, data.buttons, data.author);
      } else if (data.type === "error" && data.error === "unavailable") {
        notStored(data.id);
      }
    };
    ws.onclose = function () { status.textContent = TEXT.offline; setTimeout(connect, retry); retry = Math.min(retry * 2, 15000); };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    send(text, null);
    input.value = "";
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  connect();
})();
