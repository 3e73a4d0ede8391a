// Geldhulp web chat: talks to the gateway over a websocket. No external scripts.
(function () {
  "use strict";
  var script = document.currentScript;
  var TEXT = { offline: script.dataset.offline, you: script.dataset.you, bot: script.dataset.bot };
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("input");
  var status = document.getElementById("status");
  var ws = null, retry = 1000, counter = 0;
  var token = null;
  try { token = window.localStorage.getItem("geldhulp-token"); } catch (e) { token = null; }

  function add(from, text, buttons) {
    var div = document.createElement("div");
    div.className = "msg msg--" + (from === "me" ? "me" : "bot");
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = (from === "me" ? TEXT.you : TEXT.bot) + ": ";
    div.appendChild(who);
    div.appendChild(document.createTextNode(text || ""));  // text, never HTML
    log.appendChild(div);
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
    }
    log.scrollTop = log.scrollHeight;
  }

  function send(text, payload) {
    if (!ws || ws.readyState !== 1) { status.textContent = TEXT.offline; return; }
    counter += 1;
    var id = Date.now().toString(36) + "-" + counter;
    ws.send(JSON.stringify({ type: "message", id: id, text: payload ? "" : text, title: text, payload: payload || null }));
    add("me", text);
  }

  function connect() {
    var proto = window.location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + window.location.host + "/chat/ws");
    ws.onopen = function () { retry = 1000; status.textContent = ""; ws.send(JSON.stringify({ type: "hello", token: token })); };
    ws.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "welcome") {
        token = data.token;
        try { window.localStorage.setItem("geldhulp-token", token); } catch (e) { /* private mode */ }
        log.textContent = "";
        (data.history || []).forEach(function (m) { add(m.from, m.text, m.buttons); });
      } else if (data.type === "message") {
        add(data.from, data.text, data.buttons);
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
