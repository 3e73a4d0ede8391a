// Geldhulp console: three panes (list | conversation | side panel), live over one websocket
// (same origin), every action without a reload. Actions are the same forms as without
// JavaScript (data-ajax): they are posted with fetch, then the conversation pane is fetched
// again as a server-rendered fragment (GET /console/c/{id}?pane=1) and swapped in.
// A new chat, a new message and a crisis make themselves noticed: a line for screen readers,
// a tone (three for a crisis; louder when the chat is yours), the page title, a browser
// notification (when allowed and not muted, remembered per person in this browser).
// Typing shows both ways ("… typt" under the transcript; the resident sees a person typing).
// Keyboard: j/k next/previous chat, t take, r reply, e close, / canned replies, f search,
// ? this help. Everything the server sends is Dutch words; text goes in as text, never HTML.
(function () {
  "use strict";
  var script = document.currentScript;
  var T = script.dataset;
  var live = document.getElementById("live");
  var banner = document.getElementById("crisis-banner");
  var crisisList = document.getElementById("crisis-list");
  var queueList = document.getElementById("queue");
  var listNone = document.getElementById("list-none");
  var alertsList = document.getElementById("alerts");
  var callbacksList = document.getElementById("callbacks");
  var teamList = document.getElementById("team");
  var work = document.getElementById("work");
  var help = document.getElementById("help");
  var title = document.title;
  var ws = null, retry = 1000, audio = null, rows = [], tab = "all";
  var muteKey = "geldhulp.console.mute." + T.user;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function $(id) { return document.getElementById(id); }
  function muted() { try { return window.localStorage.getItem(muteKey) === "1"; } catch (e) { return false; } }

  // --- noticing: screen readers, title, tone, browser notification -------------------------
  function say(text) {
    if (!live) { return; }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
    if (document.hidden) { document.title = "• " + title; }
  }
  function tone(times, loud) {  // browsers allow sound once the page has had a click or key
    if (muted()) { return; }
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      audio = audio || new Ctx();
      for (var i = 0; i < times; i += 1) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = times > 1 ? 880 : 660;
        gain.gain.value = loud ? 0.35 : 0.1;
        osc.connect(gain); gain.connect(audio.destination);
        var start = audio.currentTime + i * 0.35;
        osc.start(start); osc.stop(start + 0.2);
      }
    } catch (e) { /* no sound available */ }
  }
  function notify(text, url) {
    if (muted() || !("Notification" in window) || Notification.permission !== "granted") { return; }
    try {
      var n = new Notification(T.title || title, { body: text, tag: url || text });
      n.onclick = function () { window.focus(); if (url) { openChat(url); } };
    } catch (e) { /* notifications not available here */ }
  }
  function notice(text, times, loud, url) { say(text); tone(times, loud); notify(text, url); }
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { document.title = title; } });

  var toggle = $("notify-toggle");
  function showToggle() {
    if (!toggle) { return; }
    toggle.setAttribute("aria-pressed", muted() ? "true" : "false");
    toggle.textContent = muted() ? toggle.dataset.off : toggle.dataset.on;
  }
  if (toggle) {
    toggle.addEventListener("click", function () {
      try { window.localStorage.setItem(muteKey, muted() ? "0" : "1"); } catch (e) { /* private mode */ }
      if (!muted() && "Notification" in window && Notification.permission === "default") { Notification.requestPermission(); }
      showToggle();
    });
    showToggle();
  }

  // --- the crisis banner: one line per conversation --------------------------------------
  function renderCrises(crises) {
    if (!banner) { return; }
    banner.hidden = crises.length === 0;
    crisisList.textContent = "";
    crises.forEach(function (c) {
      var li = el("li"); li.dataset.id = c.id;
      var link = el("a", null, c.label + (c.mine ? " · " + T.yours : "")); link.href = c.url; link.dataset.open = c.id;
      li.appendChild(link);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(ajaxForm("/console/c/" + c.id + "/crisis-seen", T.handled));
      crisisList.appendChild(li);
    });
  }
  function ajaxForm(action, label) {
    var form = el("form", "inline"); form.method = "post"; form.action = action; form.dataset.ajax = "";
    var csrf = el("input"); csrf.type = "hidden"; csrf.name = "csrf"; csrf.value = T.csrf;
    var button = el("button", null, label); button.type = "submit";
    form.appendChild(csrf); form.appendChild(button);
    return form;
  }
  function renderAlerts(alerts) {
    if (!alertsList) { return; }
    alertsList.textContent = "";
    alerts.forEach(function (a) {
      var li = el("li", "alert" + (a.crisis ? " alert--crisis" : ""));
      li.appendChild(el("span", null, a.label));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("small", null, a.time));
      if (a.url) { var link = el("a", null, T.open); link.href = a.url; li.appendChild(document.createTextNode(" ")); li.appendChild(link); }
      li.appendChild(ajaxForm("/console/alerts/" + a.id + "/seen", T.seen));
      alertsList.appendChild(li);
    });
  }

  // --- the list: tabs, filters, search, unread counts --------------------------------------
  function openId() { var pane = $("chat-pane"); return pane ? pane.dataset.id : ""; }
  function filters() {
    var form = $("filters");
    if (!form) { return {}; }
    return {
      q: ($("search").value || "").trim().toLowerCase(),
      crisis: form.elements.crisis.checked, urgent: form.elements.urgent.checked,
      overdue: form.elements.overdue.checked, channel: form.elements.channel.value,
      language: form.elements.language.value, label: form.elements.label.value
    };
  }
  function inTab(r, name) {
    if (name === "mine") { return r.mine; }
    if (name === "unassigned") { return !r.taken; }
    return true;
  }
  function passes(r, f) {
    if (!inTab(r, tab)) { return false; }
    if (f.crisis && !r.crisis) { return false; }
    if (f.urgent && !(r.urgent || r.crisis)) { return false; }
    if (f.overdue && !r.overdue) { return false; }
    if (f.channel && r.channel !== f.channel) { return false; }
    if (f.language && r.language !== f.language) { return false; }
    if (f.label && r.labels.indexOf(f.label) < 0) { return false; }
    if (f.q && r.search.indexOf(f.q) < 0) { return false; }
    return true;
  }
  function renderQueue() {
    if (!queueList) { return; }
    var f = filters(), shown = rows.filter(function (r) { return passes(r, f); });
    ["mine", "unassigned", "all"].forEach(function (name) {
      var unread = 0, n = 0;
      rows.forEach(function (r) { if (inTab(r, name)) { n += 1; unread += r.new_count; } });
      var span = document.querySelector('[data-count="' + name + '"]');
      if (span) { span.textContent = "(" + n + (unread ? ", " + unread + " " + T.unread : "") + ")"; }
    });
    queueList.textContent = "";
    if (listNone) { listNone.hidden = !(rows.length && !shown.length); }
    if (!rows.length) { queueList.appendChild(el("li", "empty", T.empty)); return; }
    shown.forEach(function (r) {
      var li = el("li", "row row--" + r.priority + (r.id === openId() ? " row--open" : ""));
      li.dataset.id = r.id;
      var link = el("a"); link.href = r.url; link.dataset.open = r.id;
      link.appendChild(el("strong", null, r.number));
      link.appendChild(document.createTextNode(" "));
      link.appendChild(el("span", "badge badge--" + r.priority, r.priority_label));
      if (r.id === openId()) { link.setAttribute("aria-current", "true"); }
      li.appendChild(link);
      r.crisis_words.forEach(function (c) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "flag", c)); });
      if (r.new_label) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "badge badge--new", r.new_label)); }
      li.appendChild(el("br"));
      li.appendChild(el("small", null, [r.waiting_label, r.channel_label, r.language_label, r.municipality].join(" · ")));
      li.appendChild(el("br"));
      li.appendChild(el("span", null, r.topics.join(", ")));
      li.appendChild(el("br"));
      li.appendChild(el("small", null, r.reason_label + (r.signals.length ? " · " + r.signals.join(", ") : "")));
      li.appendChild(el("br"));
      li.appendChild(el("small", null, r.deadline));
      r.flags.forEach(function (x) { li.appendChild(el("br")); li.appendChild(el("small", null, x)); });
      if (r.taken_by) { li.appendChild(el("br")); li.appendChild(el("small", null, r.taken_by)); }
      queueList.appendChild(li);
    });
  }
  function setTab(name) {
    tab = name;
    document.querySelectorAll("[role=tab]").forEach(function (b) { b.setAttribute("aria-selected", b.dataset.tab === name ? "true" : "false"); });
    renderQueue();
  }
  document.querySelectorAll("[role=tab]").forEach(function (b) {
    b.addEventListener("click", function () { setTab(b.dataset.tab); });
  });
  var filterForm = $("filters");
  if (filterForm) {
    filterForm.addEventListener("input", renderQueue);
    filterForm.addEventListener("change", renderQueue);
    filterForm.addEventListener("submit", function (e) { e.preventDefault(); });
  }
  function renderCallbacks(items) {
    if (!callbacksList) { return; }
    callbacksList.textContent = "";
    if (!items.length) { callbacksList.appendChild(el("li", "empty", T.callbacksEmpty)); return; }
    items.forEach(function (c) {
      var li = el("li", c.late ? "late" : null), link = el("a", null, c.due);
      link.href = c.url; li.appendChild(link);
      li.appendChild(document.createTextNode(": " + c.topics.join(", ") + " "));
      li.appendChild(el("small", null, "(" + c.channel_label + ")"));
      callbacksList.appendChild(li);
    });
  }
  function renderTeam(team) {
    if (!teamList) { return; }
    teamList.textContent = "";
    team.people.forEach(function (line) { teamList.appendChild(el("li", null, line)); });
  }

  // --- the open conversation ----------------------------------------------------------------
  function transcript() { return $("transcript"); }
  function addMessage(m) {
    var list = transcript();
    if (!list || list.querySelector('[data-id="' + m.id + '"]')) { return; }
    var li = el("li", "msg msg--" + m.author_type + (m.new ? " msg--new" : ""));
    li.dataset.id = m.id;
    li.appendChild(el("span", "who", m.author));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("small", "time", m.time));
    if (m.new) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "badge badge--new", m.new_label)); }
    if (m.flag) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "flag", m.flag)); }
    li.appendChild(document.createTextNode(" "));
    var text = el("span", "text", m.text); text.dir = "auto"; li.appendChild(text);
    (m.files || []).forEach(function (f) {  // what the resident sent (bot/console/media.py)
      var node;
      if (f.kind === "image") {
        node = el("a"); node.href = f.url; node.target = "_blank"; node.rel = "noopener";
        var img = el("img", "media-image"); img.src = f.url; img.alt = f.label; img.loading = "lazy";
        node.appendChild(img);
      } else if (f.kind === "voice") {
        node = el("audio", "media-voice"); node.controls = true; node.preload = "none";
        node.src = f.url; node.setAttribute("aria-label", f.label);
      } else {
        node = el("a", "media-pdf", f.label); node.href = f.url; node.target = "_blank"; node.rel = "noopener";
      }
      li.appendChild(node);
    });
    if (m.failed) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "badge badge--failed", m.failed_label)); }
    list.appendChild(li);
    list.dataset.last = String(m.id);
    list.scrollTop = list.scrollHeight;
  }
  function watch() {
    var list = transcript();
    if (ws && ws.readyState === 1) {
      ws.send(JSON.stringify({ type: "watch", id: list ? list.dataset.id : "", after: list ? list.dataset.last : "0" }));
    }
  }
  function scrollDown() { var list = transcript(); if (list) { list.scrollTop = list.scrollHeight; } }

  function loadPane(id, focus) {
    return fetch("/console/c/" + id + "?pane=1", { credentials: "same-origin" }).then(function (r) {
      if (r.status === 401 || r.redirected) { window.location.href = "/console/c/" + id; return null; }
      if (!r.ok) { return null; }
      return r.text();
    }).then(function (html) {
      if (html === null || html === undefined) { return; }
      var doc = new DOMParser().parseFromString(html, "text/html");
      var next = doc.body;
      work.textContent = "";
      Array.prototype.slice.call(next.children).forEach(function (node) {
        if (node.tagName !== "SCRIPT" && node.tagName !== "HEADER" && node.id !== "crisis-banner" && node.id !== "live") {
          if (node.tagName === "MAIN") {
            Array.prototype.slice.call(node.children).forEach(function (c) { work.appendChild(document.importNode(c, true)); });
          } else { work.appendChild(document.importNode(node, true)); }
        }
      });
      document.querySelector(".panes").classList.add("panes--open");
      scrollDown(); watch(); renderQueue();
      if (focus && $(focus)) { $(focus).focus(); }
    });
  }
  function openChat(url) {
    var id = url.split("/console/c/")[1];
    if (!id || !work) { window.location.href = url; return; }
    id = id.split("?")[0];
    window.history.pushState({ id: id }, "", "/console/c/" + id);
    loadPane(id, "chat-title");
  }
  window.addEventListener("popstate", function (e) { if (e.state && e.state.id) { loadPane(e.state.id); } });

  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-open]");
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey) { return; }
    e.preventDefault();
    openChat(link.getAttribute("href"));
  });

  document.addEventListener("submit", function (e) {  // every action without a reload
    var form = e.target;
    if (!form.hasAttribute("data-ajax")) { return; }
    e.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    var wasComposer = form.id === "composer";
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) { return r.text().then(function (t) { say(T.failed + " " + t); }); }
        if (wasComposer) { say(T.sent); }
        var id = openId();
        if (id) { return loadPane(id, wasComposer ? "reply" : null); }
      });
  });

  // --- canned replies: "/" in the composer --------------------------------------------------
  function canned() { return $("canned"); }
  function cannedItems() { return Array.prototype.slice.call(document.querySelectorAll("#canned-list [role=option]")).filter(function (o) { return !o.hidden; }); }
  function openCanned() {
    var box = canned(); if (!box) { return; }
    box.hidden = false; $("canned-filter").value = ""; filterCanned(); $("canned-filter").focus();
  }
  function closeCanned(back) { var box = canned(); if (box) { box.hidden = true; } if (back && $("reply")) { $("reply").focus(); } }
  function filterCanned() {
    var q = ($("canned-filter").value || "").toLowerCase(), first = true;
    document.querySelectorAll("#canned-list [role=option]").forEach(function (o) {
      o.hidden = o.textContent.toLowerCase().indexOf(q) < 0;
      o.setAttribute("aria-selected", !o.hidden && first ? "true" : "false");
      if (!o.hidden && first) { $("canned-filter").setAttribute("aria-activedescendant", o.id); first = false; }
    });
  }
  function moveCanned(step) {
    var items = cannedItems(); if (!items.length) { return; }
    var at = items.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    items.forEach(function (o) { o.setAttribute("aria-selected", "false"); });
    var next = items[(at + step + items.length) % items.length];
    next.setAttribute("aria-selected", "true");
    $("canned-filter").setAttribute("aria-activedescendant", next.id);
    next.scrollIntoView({ block: "nearest" });
  }
  function pickCanned(option) {
    var reply = $("reply"); if (!option || !reply) { return; }
    reply.value = option.dataset.text;  // editable before sending
    closeCanned(true);
    reply.setSelectionRange(reply.value.length, reply.value.length);
  }
  document.addEventListener("input", function (e) {
    if (e.target.id === "reply" && e.target.value === "/") { e.target.value = ""; openCanned(); }
    if (e.target.id === "canned-filter") { filterCanned(); }
  });
  document.addEventListener("click", function (e) {
    var option = e.target.closest && e.target.closest("#canned-list [role=option]");
    if (option) { pickCanned(option); }
  });

  // --- keyboard shortcuts and the help overlay ----------------------------------------------
  function typing(target) { return /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable; }
  function step(dir) {
    var links = Array.prototype.slice.call(document.querySelectorAll("#queue a[data-open]"));
    if (!links.length) { return; }
    var at = links.findIndex(function (a) { return a.dataset.open === openId(); });
    var next = links[Math.max(0, Math.min(links.length - 1, at < 0 ? 0 : at + dir))];
    next.focus(); openChat(next.getAttribute("href"));
  }
  function showHelp(open) {
    if (!help) { return; }
    help.hidden = !open;
    if (open) { $("help-close").focus(); } else if ($("help-open")) { $("help-open").focus(); }
  }
  if ($("help-open")) { $("help-open").addEventListener("click", function () { showHelp(true); }); }
  if ($("help-close")) { $("help-close").addEventListener("click", function () { showHelp(false); }); }
  document.addEventListener("keydown", function (e) {
    if (e.target.id === "canned-filter") {
      if (e.key === "ArrowDown") { e.preventDefault(); moveCanned(1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); moveCanned(-1); }
      else if (e.key === "Enter") { e.preventDefault(); pickCanned(document.querySelector('#canned-list [aria-selected="true"]')); }
      else if (e.key === "Escape") { e.preventDefault(); closeCanned(true); }
      return;
    }
    if (e.key === "Escape") { if (help && !help.hidden) { showHelp(false); } return; }
    if (e.target.id === "reply" && e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault(); $("composer").requestSubmit(); return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
    var key = e.key;
    if (key === "?") { e.preventDefault(); showHelp(help && help.hidden); }
    else if (key === "j") { e.preventDefault(); step(1); }
    else if (key === "k") { e.preventDefault(); step(-1); }
    else if (key === "t" && $("take")) { e.preventDefault(); $("take").click(); }
    else if (key === "r" && $("reply")) { e.preventDefault(); $("reply").focus(); }
    else if (key === "e" && $("outcome")) { e.preventDefault(); $("outcome").focus(); }
    else if (key === "/" && $("reply")) { e.preventDefault(); $("reply").focus(); openCanned(); }
    else if (key === "f" && $("search")) { e.preventDefault(); $("search").focus(); }
  });

  // --- typing, both ways, no content -------------------------------------------------------
  // The resident's "… typt" comes from the socket (on/off); the person's typing in the composer
  // is sent at most every 3 s (the server passes it to the resident's channel, throttled).
  var typedAt = 0;
  function residentTyping(on) {
    var line = $("resident-typing");
    if (line) { line.textContent = on ? T.typing : ""; }
  }
  document.addEventListener("input", function (e) {
    if (e.target.id !== "reply" || !ws || ws.readyState !== 1) { return; }
    var now = Date.now(), value = e.target.value;
    if (!value.trim() || value.charAt(0) === "/" || now - typedAt < 3000) { return; }
    typedAt = now;
    ws.send(JSON.stringify({ type: "typing", id: openId() }));
  });

  // --- the socket -----------------------------------------------------------------------------
  function onQueue(data) {
    rows = data.rows;
    renderQueue();
    renderCrises(data.crises || []);
    renderAlerts(data.alerts);
    renderCallbacks(data.callbacks);
    renderTeam(data.team);
    var events = data.events || [];
    if (events.indexOf("crisis") >= 0) {
      var yours = (data.crises || []).filter(function (c) { return c.mine; });
      var first = yours[0] || (data.crises || [])[0];
      notice(first ? first.label : T.crisis, yours.length ? 5 : 3, yours.length > 0, first ? first.url : null);
    } else if (events.indexOf("new_chat") >= 0) { notice(T.newChat, 1, false); }
    else if (events.indexOf("new_message") >= 0) { notice(T.newMessage, 1, false); }
  }
  function connect() {
    var proto = window.location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + window.location.host + "/console/ws");
    ws.onopen = function () { retry = 1000; watch(); };
    ws.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "queue") { onQueue(data); }
      else if (data.type === "messages") {
        data.items.forEach(addMessage);
        if (data.items.some(function (m) { return m.author_type === "contact"; })) { residentTyping(false); }
        if (data.items.some(function (m) { return m.author_type === "contact"; })) { notice(T.newMessage, 1, false); }
      } else if (data.type === "status" && $("status")) { $("status").textContent = data.label; }
      else if (data.type === "typing") { residentTyping(data.on); }
    };
    ws.onclose = function (event) {
      if (event.code === 4401) { window.location.href = "/console/login"; return; }  // logged out or expired
      window.setTimeout(connect, retry); retry = Math.min(retry * 2, 15000);
    };
  }
  scrollDown();
  connect();
})();
