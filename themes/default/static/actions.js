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
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  apply();
})();
