// The live alert feed: new console alerts arrive as server-sent events from
// /api/alerts/stream (the session cookie authenticates it). Text only, never HTML.
(function () {
  "use strict";
  var feed = document.getElementById("alert-feed");
  if (!feed || !window.EventSource) { return; }
  var source = new EventSource("/api/alerts/stream");
  source.addEventListener("alert", function (event) {
    var alert = JSON.parse(event.data);
    var doc = alert.document || {};
    if (feed.dataset.fresh !== "no") { feed.textContent = ""; feed.dataset.fresh = "no"; }
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = "/documents/" + encodeURIComponent(doc.id || "");
    link.textContent = doc.title || doc.id;
    item.appendChild(link);
    var detail = document.createElement("span");
    detail.className = "muted";
    detail.textContent = " · " + alert.rule_name + " · " + (doc.site || "") + " · " +
      (doc.risk_label || "") + " " + (doc.risk_score === null ? "" : Number(doc.risk_score).toFixed(2));
    item.appendChild(detail);
    feed.insertBefore(item, feed.firstChild);
  });
})();
