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
    window.location.reload();
  };
  if ("Notification" in window && Notification.permission === "default") { Notification.requestPermission(); }
})();
