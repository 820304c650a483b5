// pmsite: small progressive enhancements. Pages work without this file.
(function () {
  "use strict";
  // Opened straight from disk (file://), a folder link shows a directory listing:
  // point folder links at their index.html instead.
  if (location.protocol === "file:") {
    document.querySelectorAll("a[href]").forEach(function (a) {
      var h = a.getAttribute("href");
      if (!/^[a-z]+:/i.test(h) && !h.startsWith("#")) {
        // The folder is what comes before a query (`actions/?service=x`) or a fragment.
        var at = h.search(/[?#]/);
        var path = at < 0 ? h : h.slice(0, at);
        if (path === "" || path.endsWith("/")) {
          a.setAttribute("href", path + "index.html" + (at < 0 ? "" : h.slice(at)));
        }
      }
    });
  }
  // Printing (review meetings, PDFs): closed <details> print open, since CSS cannot open
  // them, and the header says when the copy was printed. Chromium's printToPDF fires
  // beforeprint too. What was closed closes again afterwards.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.open = true;
      opened.push(d);
    });
    var when = new Date();
    var day = when.getFullYear() + "-" + String(when.getMonth() + 1).padStart(2, "0") + "-" + String(when.getDate()).padStart(2, "0");
    document.querySelectorAll(".print-date").forEach(function (s) { s.textContent = "printed " + day; });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
  // "/" focuses the search box, as on most sites with search.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
    var box = document.getElementById("pm-search-page-input") || document.getElementById("pm-search-input");
    if (box) { e.preventDefault(); box.focus(); }
  });
})();
