// Filters the action item table in place. Without JavaScript the full table stays.
(function () {
  "use strict";
  var form = document.getElementById("action-filters");
  var table = document.getElementById("action-table");
  if (!form || !table) return;
  form.hidden = false;
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var count = document.getElementById("action-count");
  function apply() {
    var f = {
      status: form.status.value, owner: form.owner.value, team: form.team.value,
      service: form.service.value, type: form.type.value, overdue: form.overdue.checked
    };
    var shown = 0;
    rows.forEach(function (r) {
      var d = r.dataset;
      var ok = (!f.status || d.status === f.status) &&
        (!f.owner || d.owner === f.owner) &&
        (!f.team || d.teams.split("|").indexOf(f.team) >= 0) &&
        (!f.service || d.services.split("|").indexOf(f.service) >= 0) &&
        (!f.type || d.type === f.type) &&
        (!f.overdue || d.overdue === "true");
      r.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = shown + " of " + rows.length + " shown";
  }
  // The filters live in the address (`?team=payments&overdue=1`), so a view can be
  // bookmarked and sent. Other parameters are left as they are.
  var SELECTS = ["status", "owner", "team", "service", "type"];
  function readUrl() {
    var q = new URLSearchParams(location.search);
    SELECTS.forEach(function (name) {
      var v = q.get(name) || "";
      var sel = form[name];
      if (v && !Array.prototype.some.call(sel.options, function (o) { return o.value === v; })) {
        // A value not on this page (another page's team): offered, so the view holds.
        var o = document.createElement("option");
        o.textContent = v;
        sel.appendChild(o);
      }
      sel.value = v;
    });
    var o = q.get("overdue");
    form.overdue.checked = o === "1" || o === "true";
  }
  function writeUrl() {
    if (!window.history || !history.replaceState) return;
    var q = new URLSearchParams(location.search);
    SELECTS.forEach(function (name) {
      if (form[name].value) q.set(name, form[name].value); else q.delete(name);
    });
    if (form.overdue.checked) q.set("overdue", "1"); else q.delete("overdue");
    var s = q.toString();
    try {
      history.replaceState(history.state, "", location.pathname + (s ? "?" + s : "") + location.hash);
    } catch (e) { /* file:// in some browsers: the filter still works */ }
  }
  // The pager's links carry the filters too, so the next page opens in the same view.
  // Only the filters: any other parameter of this address is this page's business.
  var pagerLinks = Array.prototype.slice.call(document.querySelectorAll("nav.pager a[href]"));
  pagerLinks.forEach(function (a) { a.setAttribute("data-base-href", a.getAttribute("href")); });
  function writePager() {
    var q = new URLSearchParams();
    SELECTS.forEach(function (name) { if (form[name].value) q.set(name, form[name].value); });
    if (form.overdue.checked) q.set("overdue", "1");
    var s = q.toString();
    pagerLinks.forEach(function (a) {
      var parts = a.getAttribute("data-base-href").split("#");
      parts[0] = parts[0].split("?")[0] + (s ? "?" + s : "");
      a.setAttribute("href", parts.join("#"));
    });
  }
  function update() { apply(); writeUrl(); writePager(); }
  readUrl();
  form.addEventListener("change", update);
  form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
  apply();
  writePager();
})();
