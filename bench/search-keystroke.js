// Time per keystroke of the browser search client, in Node with a stub DOM.
//
//   node bench/search-keystroke.js OUT "connection pool timeout"
//
// OUT holds search/ (the browser index) and assets/search.js, as written by
// bench/search-vs-pagefind.sh. Each prefix of the query is searched twice: the
// first run loads the shards it needs, the second is the cost of a keystroke once
// they are loaded (what the user waits for while typing).
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const [out, query] = process.argv.slice(2);
global.window = global;
global.location = { protocol: "http:", search: "", pathname: "/" };
global.history = { replaceState() {} };
global.document = {
  querySelector: () => null,
  querySelectorAll: () => [],
  getElementById: () => null,
  addEventListener() {},
  createElement: () => ({ remove() {} }),
  head: {
    appendChild(s) {
      setImmediate(() => {
        try {
          vm.runInThisContext(fs.readFileSync(path.join(out, s.src), "utf8"));
        } catch (e) {
          s.onerror(e);
        }
      });
    },
  },
};
vm.runInThisContext(fs.readFileSync(path.join(out, "assets/search.js"), "utf8"));
(async () => {
  const rows = [];
  for (let i = 1; i <= query.length; i++) {
    const q = query.slice(0, i);
    await window.pmSearch.query(q, true);
    const t = performance.now();
    const r = await window.pmSearch.query(q, true);
    rows.push({ q, ms: performance.now() - t, results: r.docs.length });
  }
  const ms = rows.map((r) => r.ms).sort((a, b) => a - b);
  console.log(JSON.stringify({
    keystrokes: rows.length,
    median_ms: +ms[Math.floor(ms.length / 2)].toFixed(2),
    max_ms: +ms[ms.length - 1].toFixed(2),
    slowest: rows.reduce((a, b) => (b.ms > a.ms ? b : a)),
  }));
})();
