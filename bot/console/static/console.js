// Geldhulp console, live: the queue, alerts and an open chat update over a websocket (same
// origin) without a reload. A new chat, a new message and a crisis each make themselves
// noticed: a line for screen readers, a tone, the page title; a crisis also a banner.
// Everything the server sends is already in Dutch words; text goes in as text, never as HTML.
(function () {
  "use strict";
  var script = document.currentScript;
  var T = script.dataset;
  var live = document.getElementById("live");
  var banner = document.getElementById("crisis-banner");
  var bannerLinks = document.getElementById("crisis-links");
  var queueBody = document.querySelector("#queue tbody");
  var alertsList = document.getElementById("alerts");
  var callbacksList = document.getElementById("callbacks");
  var teamList = document.getElementById("team");
  var transcript = document.getElementById("transcript");
  var statusLine = document.getElementById("status");
  var title = document.title;
  var ws = null, retry = 1000, audio = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function say(text) {  // screen readers hear it once; sighted people see the title change
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
    if (document.hidden) { document.title = "• " + title; }
  }

  function tone(times) {  // browsers allow sound once the page has had a click or key press
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      audio = audio || new Ctx();
      for (var i = 0; i < times; i += 1) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = times > 1 ? 880 : 660;
        gain.gain.value = 0.1;
        osc.connect(gain); gain.connect(audio.destination);
        var start = audio.currentTime + i * 0.35;
        osc.start(start); osc.stop(start + 0.2);
      }
    } catch (e) { /* no sound available */ }
  }
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { document.title = title; } });

  function seenForm(alert) {
    var form = el("form", "inline");
    form.method = "post";
    form.action = "/console/alerts/" + alert.id + "/seen";
    var csrf = el("input"); csrf.type = "hidden"; csrf.name = "csrf"; csrf.value = T.csrf;
    var button = el("button", null, T.seen); button.type = "submit";
    form.appendChild(csrf); form.appendChild(button);
    return form;
  }

  function renderAlerts(alerts) {
    if (alertsList) {
      alertsList.textContent = "";
      alerts.forEach(function (a) {
        var li = el("li", "alert" + (a.crisis ? " alert--crisis" : ""));
        li.appendChild(el("span", null, a.label));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("small", null, a.time));
        if (a.url) { var link = el("a", null, T.open); link.href = a.url; li.appendChild(document.createTextNode(" ")); li.appendChild(link); }
        li.appendChild(seenForm(a));
        alertsList.appendChild(li);
      });
    }
    var crisis = alerts.filter(function (a) { return a.crisis; });
    if (banner) {
      banner.hidden = crisis.length === 0;
      bannerLinks.textContent = "";
      crisis.forEach(function (a) {
        if (!a.url) { return; }
        var link = el("a", null, T.open); link.href = a.url;
        bannerLinks.appendChild(document.createTextNode(" "));
        bannerLinks.appendChild(link);
      });
    }
  }

  function cell(row, parts) {
    var td = el("td");
    parts.forEach(function (p, i) {
      if (i > 0) { td.appendChild(el("br")); }
      td.appendChild(p);
    });
    row.appendChild(td);
  }

  function renderQueue(rows) {
    if (!queueBody) { return; }
    queueBody.textContent = "";
    if (!rows.length) {
      var empty = el("tr", "empty"), td = el("td", null, T.empty);
      td.colSpan = 8; empty.appendChild(td); queueBody.appendChild(empty);
      return;
    }
    rows.forEach(function (r) {
      var tr = el("tr", "row row--" + r.priority);
      tr.dataset.id = r.id;
      var first = el("span");
      first.appendChild(el("span", "badge badge--" + r.priority, r.priority_label));
      r.crisis_words.forEach(function (c) { first.appendChild(document.createTextNode(" ")); first.appendChild(el("span", "flag", c)); });
      cell(tr, [first]);
      cell(tr, [el("span", null, r.waiting_label)].concat(r.flags.map(function (f) { return el("small", null, f); })));
      cell(tr, [el("span", null, r.reason_label), el("small", null, r.kind_label)]);
      var topics = [el("span", null, r.topics.join(", "))];
      if (r.signals.length) { topics.push(el("small", null, r.signals.join(", "))); }
      cell(tr, topics);
      cell(tr, [el("span", null, r.municipality)]);
      cell(tr, [el("span", null, r.channel_label)]);
      cell(tr, [el("small", null, r.deadline)]);
      var open = el("span"), link = el("a", null, r.open_label);
      link.href = r.url; open.appendChild(link);
      if (r.new_label) { open.appendChild(document.createTextNode(" ")); open.appendChild(el("span", "badge badge--new", r.new_label)); }
      var last = [open];
      if (r.taken_by) { last.push(el("small", null, r.taken_by)); }
      cell(tr, last);
      queueBody.appendChild(tr);
    });
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

  function addMessage(m) {
    if (!transcript || transcript.querySelector('[data-id="' + m.id + '"]')) { return; }
    var li = el("li", "msg msg--" + m.author_type + (m.new ? " msg--new" : ""));
    li.dataset.id = m.id;
    li.appendChild(el("span", "who", m.author));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("small", "time", m.time));
    if (m.new) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "badge badge--new", m.new_label)); }
    if (m.flag) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "flag", m.flag)); }
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "text", m.text));
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
    transcript.appendChild(li);
    transcript.dataset.last = String(m.id);
    li.scrollIntoView({ block: "nearest" });
  }

  function onQueue(data) {
    renderQueue(data.rows);
    renderAlerts(data.alerts);
    renderCallbacks(data.callbacks);
    renderTeam(data.team);
    var events = data.events || [];
    if (events.indexOf("crisis") >= 0) { say(T.crisis); tone(3); }
    else if (events.indexOf("new_chat") >= 0) { say(T.newChat); tone(1); }
    else if (events.indexOf("new_message") >= 0) { say(T.newMessage); tone(1); }
  }

  function connect() {
    var proto = window.location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + window.location.host + "/console/ws");
    ws.onopen = function () {
      retry = 1000;
      if (transcript) {
        ws.send(JSON.stringify({ type: "watch", id: transcript.dataset.id, after: transcript.dataset.last }));
      }
    };
    ws.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "queue") { onQueue(data); }
      else if (data.type === "messages") {
        data.items.forEach(addMessage);
        if (data.items.some(function (m) { return m.author_type === "contact"; })) { say(T.newMessage); tone(1); }
      } else if (data.type === "status" && statusLine) { statusLine.textContent = data.label; }
    };
    ws.onclose = function (event) {
      if (event.code === 4401) { window.location.href = "/console/login"; return; }  // logged out or expired
      window.setTimeout(connect, retry); retry = Math.min(retry * 2, 15000);
    };
  }
  connect();
})();
