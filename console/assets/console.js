// The console works without JavaScript; this only keeps empty fields out
// of the URL, so a bookmarked filter stays short and readable, and runs the
// list page's live view. It is a file of its own because the console's
// Content-Security-Policy allows no inline script.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.filters");
  if (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select").forEach(function (el) {
        if (el.name && el.value === "") el.disabled = true;
      });
    });
  }
  live();
});

// live runs the "Live" switch of the records page: while it is on, an
// EventSource reads /console/failedcheckins/stream with the page's filter
// (the API's live stream behind the console's session) and each new
// refusal is added at the top of the table. EventSource reconnects by
// itself and sends the last id it saw, so nothing is lost in between.
function live() {
  var box = document.getElementById("live");
  var tbody = document.querySelector("#results tbody");
  var status = document.getElementById("live-status");
  if (!box || !tbody || !window.EventSource) return;
  var es = null;
  var sources = ["None", "Manual", "DoorAccess", "NetworkActivity", "Tile", "Sensor"];
  function say(text) { status.textContent = text; }
  function cell(label, node) {
    var td = document.createElement("td");
    td.setAttribute("data-label", label);
    if (typeof node === "string") td.textContent = node; else td.appendChild(node);
    return td;
  }
  function time(iso, text) {
    var t = document.createElement("time");
    t.setAttribute("datetime", iso);
    t.textContent = text;
    return t;
  }
  // The row the server would render for r (console/record.go viewRecord).
  function row(r) {
    var tr = document.createElement("tr");
    tr.className = "live-new";
    tr.setAttribute("data-id", String(r.Id));
    var a = document.createElement("a");
    a.href = "/console/failedcheckins/" + r.Id + "?back=" + encodeURIComponent(box.getAttribute("data-back") || "");
    a.textContent = String(r.Id);
    var utc = r.CheckinAttemptTime; // 2026-01-15T10:30:00Z
    var wall = r.CheckinAttemptTimeLocal; // 2026-01-15T11:30:00
    var off = Math.round((Date.parse(wall + "Z") - Date.parse(utc)) / 60000);
    var sign = off < 0 ? "-" : "+";
    off = Math.abs(off);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    tr.appendChild(cell("Id", a));
    tr.appendChild(cell("Local time", time(wall, wall.replace("T", " ") + " (UTC" + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60) + ")")));
    tr.appendChild(cell("UTC time", time(utc, utc.replace("T", " ").replace("Z", "") + " UTC")));
    tr.appendChild(cell("Location", r.BusinessName));
    tr.appendChild(cell("Coworker", r.CoworkerFullName));
    tr.appendChild(cell("Source", sources[r.Source] || String(r.Source)));
    tr.appendChild(cell("Reason", r.Reason === null ? "—" : r.Reason));
    tr.appendChild(cell("Description", r.Description));
    return tr;
  }
  function start() {
    es = new EventSource(box.getAttribute("data-stream"));
    say("Connecting…");
    es.onopen = function () { say("Live: new refusals appear at the top."); };
    es.onerror = function () { say("Connection lost; reconnecting…"); };
    es.addEventListener("FailedCheckin", function (e) {
      var r = JSON.parse(e.data);
      if (tbody.querySelector('tr[data-id="' + r.Id + '"]')) return;
      tbody.insertBefore(row(r), tbody.firstChild);
    });
  }
  function stop() {
    if (es) es.close();
    es = null;
    say("");
  }
  box.addEventListener("change", function () { if (box.checked) start(); else stop(); });
  if (box.checked) start(); // a browser may restore the box on "back"
}
