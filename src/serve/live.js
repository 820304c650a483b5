// pmsite serve: live reload. Injected only by `pmsite serve`, never in a built site.
(function () {
  "use strict";
  var scrollKey = "pmsite-scroll:" + location.pathname;
  var saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    var y = Number(saved) || 0;
    window.scrollTo(0, y);
    window.addEventListener("load", function () { window.scrollTo(0, y); });
  }

  // The output path this page was served from, as the server names changed files.
  function ownPath() {
    var p;
    try { p = decodeURIComponent(location.pathname); } catch (e) { p = location.pathname; }
    p = p.replace(/^\/+/, "");
    if (p === "" || p.charAt(p.length - 1) === "/") p += "index.html";
    return p;
  }
  // Files a page loads besides itself and its stylesheets: a change to one needs a reload.
  var asset = /\.(js|mjs|png|jpe?g|gif|svg|webp|ico|woff2?)$/i;

  function reload() {
    sessionStorage.setItem(scrollKey, String(window.scrollY));
    location.reload();
  }

  var overlay = null;
  function clearOverlay() {
    if (overlay) { overlay.remove(); overlay = null; }
  }
  function showOverlay(diagnostics) {
    clearOverlay();
    overlay = document.createElement("div");
    overlay.id = "pmsite-overlay";
    overlay.setAttribute("role", "alert");
    overlay.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;z-index:2147483647;" +
      "background:#2b0b0b;color:#fde8e8;font:14px/1.5 ui-monospace,monospace;padding:12px 16px;border-top:4px solid #e5484d";
    var head = document.createElement("strong");
    head.textContent = "pmsite: the build failed; this page shows the last good build.";
    overlay.appendChild(head);
    var list = document.createElement("ul");
    list.style.cssText = "margin:8px 0 0;padding-left:20px";
    diagnostics.forEach(function (d) {
      var li = document.createElement("li");
      var where = document.createElement("span");
      where.style.color = "#ffb4b4";
      where.textContent = d.file + (d.line ? ":" + d.line + (d.column ? ":" + d.column : "") : "") + " ";
      li.appendChild(where);
      li.appendChild(document.createTextNode(d.message));
      list.appendChild(li);
    });
    overlay.appendChild(list);
    document.body.appendChild(overlay);
  }

  var events = new EventSource("/__pmsite/events");
  events.addEventListener("reload", function (e) {
    var paths = JSON.parse(e.data).paths || [];
    var me = ownPath();
    if (paths.some(function (p) { return p === "*" || p === me || asset.test(p); })) reload();
  });
  events.addEventListener("css", function () {
    var stamp = String(Date.now());
    document.querySelectorAll('link[rel="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href);
      url.searchParams.set("pmsite", stamp);
      link.href = url.href;
    });
  });
  events.addEventListener("error", function (e) {
    // A connection error is also called "error" but carries no data: EventSource reconnects by itself.
    if (typeof e.data !== "string") return;
    showOverlay(JSON.parse(e.data).diagnostics || []);
  });
  events.addEventListener("ok", clearOverlay);
})();
