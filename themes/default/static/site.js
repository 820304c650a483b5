// pmsite: small progressive enhancements. Pages work without this file.
(function () {
  "use strict";
  // Opened straight from disk (file://), a folder link shows a directory listing:
  // point folder links at their index.html instead.
  if (location.protocol === "file:") {
    document.querySelectorAll("a[href]").forEach(function (a) {
      var h = a.getAttribute("href");
      if (!/^[a-z]+:/i.test(h) && !h.startsWith("#")) {
        var parts = h.split("#");
        if (parts[0] === "" || parts[0].endsWith("/")) {
          parts[0] = parts[0] + "index.html";
          a.setAttribute("href", parts.join("#"));
        }
      }
    });
  }
  // "/" focuses the search box, as on most sites with search.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
    var box = document.getElementById("pm-search-page-input") || document.getElementById("pm-search-input");
    if (box) { e.preventDefault(); box.focus(); }
  });
})();
