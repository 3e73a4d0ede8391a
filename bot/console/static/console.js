// Live queue: reload the queue view when the server pushes a change (websocket, same origin).
(function () {
  "use strict";
  var live = document.getElementById("live");
  var proto = window.location.protocol === "https:" ? "wss://" : "ws://";
  var first = true;
  var ws = new WebSocket(proto + window.location.host + "/console/ws");
  ws.onmessage = function () {
    if (first) { first = false; return; }
    live.textContent = "De wachtrij is veranderd.";
    if ("Notification" in window && Notification.permission === "granted") { new Notification("Geldhulp: wachtrij veranderd"); }
    beep();
    window.setTimeout(function () { window.location.reload(); }, 300);  // let the tone play
  };
  function beep() {  // a short tone; browsers allow it once the page has had a click
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx(), osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 660; gain.gain.value = 0.1;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.2);
    } catch (e) { /* no sound available */ }
  }
  if ("Notification" in window && Notification.permission === "default") { Notification.requestPermission(); }
})();
