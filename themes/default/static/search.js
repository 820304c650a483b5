// pmsite search: the in-browser client of the static index in search/ (format:
// docs/search-index.md). No dependencies. Index files are scripts that call
// pmSearch.register(), so search works from file:// too, where fetch() is refused.
// Everything shown is built with textContent and createElement: no data ever
// reaches innerHTML.
// English (Snowball Porter2) stemmer, ported from the Snowball 3 english.sbl that
// tantivy's stemmer runs (tests/search_stemmer.rs compares the two over a large word
// list), so a query word here becomes the same term the exporter wrote.
(function (api) {
  "use strict";
  function isV(c) { return c === "a" || c === "e" || c === "i" || c === "o" || c === "u" || c === "y"; }
  function isVWXY(c) { return isV(c) || c === "w" || c === "x" || c === "Y"; }
  var VALID_LI = "cdeghkmnrt";
  // Whole words with their own stem (null: the word itself).
  var EXCEPTIONS = {
    skis: "ski", skies: "sky", idly: "idl", gently: "gentl", ugly: "ugli", early: "earli", only: "onli",
    singly: "singl", sky: null, news: null, howe: null, atlas: null, cosmos: null, bias: null, andes: null
  };
  var R1_PREFIXES = ["gener", "commun", "arsen", "past", "univers", "later", "emerg", "organ", "inter"];
  // [suffix, replacement]; a function replacement decides from the word before it.
  var STEP2 = [
    ["ational", "ate"], ["ization", "ize"], ["iveness", "ive"], ["fulness", "ful"], ["ousness", "ous"],
    ["tional", "tion"], ["biliti", "ble"], ["lessli", "less"], ["fulli", "ful"], ["ousli", "ous"],
    ["entli", "ent"], ["aliti", "al"], ["iviti", "ive"], ["alism", "al"], ["ation", "ate"], ["ogist", "og"],
    ["anci", "ance"], ["enci", "ence"], ["abli", "able"], ["alli", "al"], ["izer", "ize"], ["ator", "ate"],
    ["bli", "ble"], ["ogi", function (w, at) { return w[at - 1] === "l" ? "og" : undefined; }],
    ["li", function (w, at) { return at > 0 && VALID_LI.indexOf(w[at - 1]) >= 0 ? "" : undefined; }]
  ];
  var STEP3 = [
    ["ational", "ate"], ["tional", "tion"], ["alize", "al"], ["icate", "ic"], ["iciti", "ic"], ["ative", null],
    ["ical", "ic"], ["ness", ""], ["ful", ""]
  ];
  var STEP4 = [
    "ement", "ance", "ence", "able", "ible", "ment", "ate", "ive", "ize", "iti", "ism", "ion", "ous", "ant",
    "ent", "ic", "al", "er"
  ];
  var DOUBLES = ["bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt"];

  function ends(w, s) {
    var n = w.length, k = s.length;
    if (k > n) return false;
    for (var i = 0; i < k; i++) if (w[n - k + i] !== s[i]) return false;
    return true;
  }
  function longest(w, list) {
    for (var i = 0; i < list.length; i++) {
      var s = typeof list[i] === "string" ? list[i] : list[i][0];
      if (ends(w, s)) return list[i];
    }
    return null;
  }
  function byLength(list) {
    return list.slice().sort(function (a, b) {
      return (typeof b === "string" ? b : b[0]).length - (typeof a === "string" ? a : a[0]).length;
    });
  }
  STEP2 = byLength(STEP2); STEP3 = byLength(STEP3); STEP4 = byLength(STEP4);
  function replace(w, k, s) { w.splice(w.length - k, k); w.push.apply(w, Array.from(s)); }
  // Past a vowel and then a non-vowel from `from`; the position after them, or -1.
  function pastVowelAndConsonant(w, from) {
    var i = from;
    while (i < w.length && !isV(w[i])) i++;
    if (i >= w.length) return -1;
    i++;
    while (i < w.length && isV(w[i])) i++;
    if (i >= w.length) return -1;
    return i + 1;
  }
  function hasVowel(w, end) {
    for (var i = 0; i < end; i++) if (isV(w[i])) return true;
    return false;
  }
  // A short syllable ends at `n`.
  function shortv(w, n) {
    if (n >= 3 && !isVWXY(w[n - 1]) && isV(w[n - 2]) && !isV(w[n - 3])) return true;
    if (n === 2 && !isV(w[1]) && isV(w[0])) return true;
    return n >= 4 && w[n - 4] === "p" && w[n - 3] === "a" && w[n - 2] === "s" && w[n - 1] === "t";
  }

  function stem(word) {
    if (Object.prototype.hasOwnProperty.call(EXCEPTIONS, word)) return EXCEPTIONS[word] === null ? word : EXCEPTIONS[word];
    var w = Array.from(word);
    if (w.length < 3) return word;
    // Prelude: a leading apostrophe goes; a y that starts the word or follows a vowel
    // is a consonant, marked Y until the end.
    if (w[0] === "'") w.shift();
    var yFound = false;
    if (w[0] === "y") { w[0] = "Y"; yFound = true; }
    for (var i = 1; i < w.length; i++) if (w[i] === "y" && isV(w[i - 1])) { w[i] = "Y"; yFound = true; }

    // Regions: R1 after the first non-vowel following a vowel (or after one of a few
    // prefixes), R2 the same again inside R1.
    var p1 = w.length, p2 = w.length, prefix = null;
    for (i = 0; i < R1_PREFIXES.length; i++) if (w.slice(0, R1_PREFIXES[i].length).join("") === R1_PREFIXES[i]) prefix = R1_PREFIXES[i];
    var at = prefix ? prefix.length : pastVowelAndConsonant(w, 0);
    if (at >= 0) {
      p1 = at;
      var at2 = pastVowelAndConsonant(w, p1);
      if (at2 >= 0) p2 = at2;
    }

    // Step 0 and 1a: possessives, plurals.
    if (ends(w, "'s'")) replace(w, 3, ""); else if (ends(w, "'s")) replace(w, 2, ""); else if (ends(w, "'")) replace(w, 1, "");
    if (ends(w, "sses")) replace(w, 4, "ss");
    else if (ends(w, "ied") || ends(w, "ies")) replace(w, 3, w.length - 3 >= 2 ? "i" : "ie");
    else if (ends(w, "ss") || ends(w, "us")) { /* kept */ }
    else if (ends(w, "s") && w.length >= 2 && hasVowel(w, w.length - 2)) replace(w, 1, "");

    // Step 1b: -eed, -ed, -ing and their -ly forms.
    var suffix = longest(w, ["eedly", "ingly", "edly", "eed", "ing", "ed"]);
    if (suffix === "eed" || suffix === "eedly") {
      var start = w.length - suffix.length;
      var before = w.slice(0, start).join("");
      if (start >= p1 && before !== "succ" && before !== "proc" && before !== "exc") replace(w, suffix.length, "ee");
    } else if (suffix) {
      start = w.length - suffix.length;
      before = w.slice(0, start).join("");
      var done = false;
      if (suffix === "ing") {
        if (/^(even|cann|inn|earr|herr|out)$/.test(before)) done = true;
        else if (start === 2 && w[1] === "y" && !isV(w[0])) { replace(w, 4, "ie"); done = true; }
      }
      if (!done && hasVowel(w, start)) {
        replace(w, suffix.length, "");
        var n = w.length;
        if (ends(w, "at") || ends(w, "bl") || ends(w, "iz")) w.push("e");
        else if (DOUBLES.some(function (d) { return ends(w, d); })) {
          if (!(n === 3 && (w[0] === "a" || w[0] === "e" || w[0] === "o"))) w.pop();
        } else if (n === p1 && shortv(w, n)) w.push("e");
      }
    }

    // Step 1c: a final y after a consonant (not the first letter) is i.
    n = w.length;
    if (n >= 3 && (w[n - 1] === "y" || w[n - 1] === "Y") && !isV(w[n - 2])) w[n - 1] = "i";

    // Step 2 and 3: suffixes in R1 replaced by shorter ones.
    var rule = longest(w, STEP2);
    if (rule && w.length - rule[0].length >= p1) {
      var by = typeof rule[1] === "function" ? rule[1](w, w.length - rule[0].length) : rule[1];
      if (by !== undefined) replace(w, rule[0].length, by);
    }
    rule = longest(w, STEP3);
    if (rule && w.length - rule[0].length >= p1) {
      if (rule[1] !== null) replace(w, rule[0].length, rule[1]);
      else if (w.length - rule[0].length >= p2) replace(w, rule[0].length, "");
    }

    // Step 4: suffixes in R2 removed.
    var s4 = longest(w, STEP4);
    if (s4 && w.length - s4.length >= p2) {
      var c = w[w.length - s4.length - 1];
      if (s4 !== "ion" || c === "s" || c === "t") replace(w, s4.length, "");
    }

    // Step 5: a final e or the second l of ll.
    n = w.length;
    if (w[n - 1] === "e") {
      if (n - 1 >= p2 || (n - 1 >= p1 && !shortv(w, n - 1))) w.pop();
    } else if (w[n - 1] === "l" && n - 1 >= p2 && w[n - 2] === "l") {
      w.pop();
    }

    var out = w.join("");
    return yFound ? out.replace(/Y/g, "y") : out;
  }
  api.stem = stem;
})(window.pmSearch = window.pmSearch || {});
(function () {
  "use strict";
  var rootMeta = document.querySelector('meta[name="pm-root"]');
  var ROOT = rootMeta ? rootMeta.getAttribute("content") || "" : "";
  var BASE = ROOT + "search/";
  var FROM_DISK = location.protocol === "file:";
  var PAGE_SIZE = 20, DROPDOWN_SIZE = 8, MAX_EXPANSIONS = 64, MAX_PAGES = 6;
  // A word being typed matches as a prefix from its third character on; shorter,
  // it would pull in a large part of the index for nothing useful.
  var MIN_PREFIX = 3, MAX_PREFIX_SHARDS = 8;
  // The index format this client reads (meta.v); any other is refused, not misread.
  var FORMAT = 2;
  // English suffixes a word being typed may have begun: "certifica" may end as
  // "certification", whose stem ("certif") is shorter than what was typed, so no
  // prefix scan finds it. Completing the typed word with the rest of each suffix
  // it ends in, and stemming that, does.
  var SUFFIXES = ["s", "es", "ed", "ing", "ings", "ingly", "edly", "er", "ers", "ly", "ment", "ments", "ement",
    "ness", "nesses", "ful", "fully", "fulness", "less", "lessly", "lessness", "ation", "ations", "ational",
    "ationally", "ization", "izations", "izer", "ize", "izes", "ized", "izing", "ity", "ities", "ability",
    "ibility", "able", "ably", "ible", "al", "ally", "ical", "ically", "ic", "ics", "ence", "ences", "ance",
    "ances", "ent", "ently", "ant", "ism", "isms", "ist", "ists", "ive", "ively", "iveness", "ivity", "ous",
    "ously", "ousness", "ion", "ions", "ate", "ates", "ated", "ating", "ator", "ators", "icate", "icated",
    "ative", "alize", "alized", "ogist", "ogy", "ogies", "ies", "ied", "ier", "iest"];
  var stem = window.pmSearch.stem;
  var KINDS = [["service", "Service"], ["team", "Team"], ["factor", "Factor"], ["severity", "Severity"], ["year", "Year"]];

  // ---- loading index files by script tag ----
  var store = {}, waiting = {};
  var api = window.pmSearch = window.pmSearch || {};
  api.register = function (key, data) {
    store[key] = data;
    var cbs = waiting[key] || [];
    delete waiting[key];
    cbs.forEach(function (cb) { cb[0](data); });
  };
  function load(key, file) {
    if (key in store) return Promise.resolve(store[key]);
    return new Promise(function (resolve, reject) {
      if (waiting[key]) { waiting[key].push([resolve, reject]); return; }
      waiting[key] = [[resolve, reject]];
      var s = document.createElement("script");
      s.src = BASE + file;
      s.async = true;
      s.onerror = function () {
        var cbs = waiting[key] || [];
        delete waiting[key];
        s.remove();
        cbs.forEach(function (cb) { cb[1](new Error("cannot load " + file)); });
      };
      document.head.appendChild(s);
    });
  }

  // ---- the analyzer: tantivy's SimpleTokenizer, RemoveLong, LowerCaser, AsciiFolding, stop words, Porter2 ----
  var WORD = /[\p{Alphabetic}\p{N}]+/gu;
  var SPECIAL = { "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i" };
  var meta = null, stop = {}, N = 0;
  function fold(s) {
    s = s.toLowerCase();
    if (/^[\x00-\x7f]*$/.test(s)) return s;
    return s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[ßæøœđðłþı]/g, function (c) { return SPECIAL[c]; });
  }
  // A word's folded form (what a prefix is matched on), or null when it is dropped.
  function folded(word) {
    if (new TextEncoder().encode(word).length >= meta.maxlen) return null;
    var t = fold(word);
    return stop[t] ? null : t;
  }
  function analyze(word) {
    var t = folded(word);
    return t === null ? null : stem(t);
  }
  function termsOf(text) {
    var out = [];
    (text.match(WORD) || []).forEach(function (w) { var t = analyze(w); if (t !== null) out.push(t); });
    return out;
  }

  // Query: words (all required), "-word" excluded, field:value for facets. While
  // typing, the last word also matches longer words it begins.
  var FIELD_RE = /(^|\s)(service|team|factor|severity|year):("([^"]*)"?|\S*)/gi;
  function parse(q, typing) {
    var fields = [];
    var text = q.replace(FIELD_RE, function (m, pre, kind, v, quoted) {
      var value = quoted !== undefined ? quoted : v;
      if (value) fields.push([kind.toLowerCase(), value.toLowerCase()]);
      return pre + " ";
    });
    var must = [], not = [], last = "", typed = "";
    text.split(/\s+/).forEach(function (chunk) {
      var neg = chunk.charAt(0) === "-";
      (chunk.match(WORD) || []).forEach(function (w) {
        var f = folded(w);
        last = f !== null ? (neg ? "not" : "must") : "";
        if (f !== null) { (neg ? not : must).push(stem(f)); typed = f; }
      });
    });
    // Only a word still being typed (the query ends inside it) is a prefix.
    var prefix = typing && last === "must" && /[\p{Alphabetic}\p{N}]$/u.test(text);
    if (prefix && typed.length < MIN_PREFIX) { must.pop(); prefix = false; }
    return { must: must, not: not, fields: fields, prefix: prefix, typed: prefix ? typed : "" };
  }
  // The stems of the words the typed word may be the start of (see SUFFIXES).
  function completions(typed) {
    var out = {};
    SUFFIXES.forEach(function (suffix) {
      for (var k = Math.min(suffix.length - 1, typed.length); k >= 1; k--) {
        if (typed.slice(typed.length - k) === suffix.slice(0, k)) out[stem(typed + suffix.slice(k))] = true;
      }
    });
    delete out[stem(typed)];
    return Object.keys(out);
  }

  // ---- postings ----
  var TABLE = new Int8Array(128).fill(-1);
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split("").forEach(function (c, i) { TABLE[c.charCodeAt(0)] = i; });
  function varints(s) {
    var out = [], n = 0, mul = 1;
    for (var i = 0; i < s.length; i++) {
      var v = TABLE[s.charCodeAt(i)];
      n += (v & 31) * mul;
      if (v & 32) { mul *= 32; } else { out.push(n); n = 0; mul = 1; }
    }
    return out;
  }
  // One field's postings as flat (delta, tf, length code) triples. A record is a
  // document delta, then zigzag(code - field base) * 4 + tf (tf 0 here: it follows).
  function postingList(s, base) {
    var v = varints(s), out = [];
    for (var i = 0; i < v.length;) {
      var delta = v[i++], c = v[i++], tf = c & 3, z = Math.floor(c / 4);
      if (!tf) tf = v[i++];
      out.push(delta, tf, base + (z & 1 ? -(z + 1) / 2 : z / 2));
    }
    return out;
  }
  // tantivy's one-byte field length code, decoded.
  function fieldnorm(id) {
    if (id < 24) return id;
    var b = id - 24, bits = b & 7, shift = b >> 3;
    return 24 + (shift === 0 ? bits : (bits | 8) * Math.pow(2, shift - 1));
  }
  function shardIndex(term) {
    var s = meta.shards, lo = 0, hi = s.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (s[mid][0] <= term) lo = mid; else hi = mid - 1;
    }
    return lo;
  }
  function shardsFor(term, prefix) {
    var i = shardIndex(term), out = [i];
    if (prefix) {
      for (var j = i + 1; j < meta.shards.length && j <= i + MAX_PREFIX_SHARDS && meta.shards[j][0].startsWith(term); j++) out.push(j);
    }
    return out;
  }
  function shard(i) { var name = meta.shards[i][1]; return store["shard:" + name]; }
  function loadShard(i) { var name = meta.shards[i][1]; return load("shard:" + name, "shard-" + name + ".js"); }

  var decoded = {};
  function postings(term) {
    if (term in decoded) return decoded[term];
    var sh = shard(shardIndex(term)), raw = sh && sh[term];
    return (decoded[term] = raw === undefined ? null : raw.split(".").map(function (l, f) { return postingList(l, meta.fields[f][3]); }));
  }
  // BM25 of one term, summed over fields, exactly as tantivy scores a term over
  // several boosted fields: per-field idf, per-field average length.
  function scoreTerm(term, into, hit) {
    var lists = postings(term);
    if (!lists) return;
    var k1 = meta.k1, b = meta.b;
    for (var f = 0; f < lists.length; f++) {
      var v = lists[f], df = v.length / 3;
      if (!df) continue;
      var field = meta.fields[f], avg = field[2] / N;
      var w = field[1] * Math.log(1 + (N - df + 0.5) / (df + 0.5)) * (1 + k1);
      for (var i = 0, d = 0; i < v.length; i += 3) {
        d += v[i];
        var tf = v[i + 1];
        into[d] += w * tf / (tf + k1 * (1 - b + b * fieldnorm(v[i + 2]) / avg));
        hit[d] = 1;
      }
    }
  }
  // The indexed terms the typed word may stand for besides its own stem: those it
  // begins, and the stems of its completions.
  function expansions(p) {
    var seen = {}, out = [];
    shardsFor(p.typed, true).forEach(function (i) {
      var sh = shard(i);
      for (var t in sh) if (t.startsWith(p.typed)) out.push(t);
    });
    out.sort(function (a, b) { return a.length - b.length || (a < b ? -1 : 1); });
    out = out.slice(0, MAX_EXPANSIONS);
    completions(p.typed).forEach(function (t) { if (postings(t)) out.push(t); });
    var exact = p.must[p.must.length - 1];
    return out.filter(function (t) { if (t === exact || seen[t]) return false; seen[t] = true; return true; });
  }
  // The shards the typed word needs: its prefix range, and where each completion's stem lives.
  function prefixShards(p) {
    var idx = shardsFor(p.typed, true).concat([shardIndex(p.must[p.must.length - 1])]);
    completions(p.typed).forEach(function (t) { idx.push(shardIndex(t)); });
    return idx;
  }

  // ---- facets ----
  // kind -> {values: [{value, label, docs: [doc...]}], of: per document, its value indexes}
  var facets = null;
  function loadFacets() {
    if (facets) return Promise.resolve(facets);
    return load("facets", meta.facets).then(function (data) {
      facets = {};
      KINDS.forEach(function (k) {
        var of = new Array(N);
        var values = (data[k[0]] || []).map(function (e, vi) {
          var docs = [], d = 0;
          varints(e[1]).forEach(function (delta) {
            d += delta;
            docs.push(d);
            (of[d] = of[d] || []).push(vi);
          });
          return { value: e[0], label: e[2] || e[0], docs: docs };
        });
        facets[k[0]] = { values: values, of: of };
      });
      return facets;
    });
  }
  var selected = {}; // kind -> {value: true}
  function membership(docs) {
    var m = new Uint8Array(N);
    docs.forEach(function (d) { m[d] = 1; });
    return m;
  }
  // Per kind, the documents its checked values allow (null: no value checked).
  function masks() {
    var out = {};
    KINDS.forEach(function (k) {
      var sel = selected[k[0]];
      if (!facets || !sel || !Object.keys(sel).length) { out[k[0]] = null; return; }
      out[k[0]] = membership([].concat.apply([], facets[k[0]].values.filter(function (e) { return sel[e.value]; }).map(function (e) { return e.docs; })));
    });
    return out;
  }
  function anySelected() {
    return KINDS.some(function (k) { return selected[k[0]] && Object.keys(selected[k[0]]).length; });
  }
  function passes(m, d, skip) {
    for (var i = 0; i < KINDS.length; i++) {
      var mk = m[KINDS[i][0]];
      if (KINDS[i][0] !== skip && mk && !mk[d]) return false;
    }
    return true;
  }

  // ---- pages the query names (src/search/pages.rs has the same rule) ----
  // A shard's "#pages" lists [kind, name, url, title?] for the pages whose id or
  // title starts with a term of that shard, so a query finds the pages it names in
  // the shards of its own words.
  var PAGES = "#pages", PAGE_KINDS = ["factor", "service", "team"];
  // The query's words as pages.rs counts them: no -exclusions, field:value by its value.
  function pageWords(q) {
    return termsOf(q.split(/\s+/).filter(function (w) { return w && w.charAt(0) !== "-"; })
      .map(function (w) { var c = w.indexOf(":"); return c >= 0 ? w.slice(c + 1) : w; }).join(" "));
  }
  function namedPages(words) {
    function spells(name) {
      if (!name.length) return false;
      for (var i = 0; i + name.length <= words.length; i++) {
        if (name.every(function (t, j) { return words[i + j] === t; })) return true;
      }
      return false;
    }
    var seen = {}, out = [];
    words.forEach(function (w) {
      var sh = shard(shardIndex(w));
      ((sh && sh[PAGES]) || []).forEach(function (e) {
        var key = e[0] + ":" + e[1];
        if (seen[key] || !(spells(termsOf(e[1])) || spells(termsOf(e[3] || e[1])))) return;
        seen[key] = true;
        out.push({ kind: e[0], name: e[1], url: e[2], title: e[3] || e[1] });
      });
    });
    out.sort(function (a, b) { return PAGE_KINDS.indexOf(a.kind) - PAGE_KINDS.indexOf(b.kind) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0); });
    return out.slice(0, MAX_PAGES);
  }
  function pagesLine(pages, tag) {
    var line = el(tag, "pm-search-pages");
    if (tag === "li") line.setAttribute("role", "presentation");
    line.appendChild(document.createTextNode("Pages: "));
    pages.forEach(function (pg, i) {
      if (i) line.appendChild(document.createTextNode(" · "));
      line.appendChild(document.createTextNode(pg.kind + " "));
      var a = el("a", "pm-search-page-link", pg.title);
      a.href = href(pg.url);
      line.appendChild(a);
    });
    return line;
  }

  // ---- running a query ----
  function run(q, typing) {
    var p = parse(q, typing);
    var idx = [];
    p.must.forEach(function (t, i) { idx = idx.concat(p.prefix && i === p.must.length - 1 ? prefixShards(p) : shardsFor(t, false)); });
    var words = pageWords(q);
    words.forEach(function (t) { idx.push(shardIndex(t)); });
    p.not.forEach(function (t) { idx = idx.concat(shardsFor(t, false)); });
    idx = idx.filter(function (i, n) { return idx.indexOf(i) === n; });
    var need = idx.map(loadShard);
    if (p.fields.length || resultsBox) need.push(loadFacets());
    return Promise.all(need).then(function () { var r = rank(p); r.pages = namedPages(words); return r; });
  }
  function rank(p) {
    var total = new Float64Array(N), count = new Uint16Array(N), out = [];
    // Documents holding the typed word's own stem, which rank above those that only
    // hold a word it may be the start of.
    var exact = null;
    p.expanded = [];
    p.must.forEach(function (t, i) {
      var s = new Float64Array(N), hit = new Uint8Array(N);
      scoreTerm(t, s, hit);
      if (p.prefix && i === p.must.length - 1) {
        exact = hit.slice();
        var tmp = new Float64Array(N);
        p.expanded = expansions(p);
        p.expanded.forEach(function (x) {
          tmp.fill(0);
          scoreTerm(x, tmp, hit);
          for (var d = 0; d < N; d++) if (tmp[d] > s[d]) s[d] = tmp[d];
        });
      }
      for (var d = 0; d < N; d++) if (hit[d]) { total[d] += s[d]; count[d]++; }
    });
    var excluded = new Uint8Array(N);
    p.not.forEach(function (t) { scoreTerm(t, new Float64Array(N), excluded); });
    var filters = p.fields.map(function (f) {
      var values = facets && facets[f[0]] ? facets[f[0]].values : [];
      var hit = values.filter(function (e) { return e.value.toLowerCase() === f[1]; })[0];
      return membership(hit ? hit.docs : []);
    });
    var m = masks();
    if (!p.must.length && !filters.length && !anySelected()) return { docs: [], p: p, base: [], masks: m };
    var base = [];
    for (var d = 0; d < N; d++) {
      if (count[d] !== p.must.length || excluded[d]) continue;
      if (filters.some(function (f) { return !f[d]; })) continue;
      base.push(d);
    }
    base.sort(function (a, b) { return (exact ? exact[b] - exact[a] : 0) || total[b] - total[a] || a - b; });
    out = base.filter(function (d) { return passes(m, d, null); });
    return { docs: out, p: p, base: base, masks: m, scores: total };
  }

  // ---- showing results ----
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function href(u) { return ROOT + u + (FROM_DISK && /\/$/.test(u) ? "index.html" : ""); }
  function snippet(text, p) {
    var terms = p.must.concat(p.expanded || []), pre = p.prefix ? p.typed : null;
    var marks = [], m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text))) {
      var t = fold(m[0]);
      if (terms.indexOf(stem(t)) >= 0 || (pre && t.startsWith(pre))) marks.push([m.index, m.index + m[0].length]);
    }
    var from = 0, to = text.length, MAX = 220;
    if (to > MAX) {
      from = marks.length ? Math.max(0, marks[0][0] - 60) : 0;
      if (from > 0) { var sp = text.indexOf(" ", from); from = sp >= 0 && sp < marks[0][0] ? sp + 1 : from; }
      to = Math.min(text.length, from + MAX);
      var end = text.lastIndexOf(" ", to);
      if (to < text.length && end > from) to = end;
    }
    var out = el("p", "pm-snippet"), at = from;
    if (from > 0) out.appendChild(document.createTextNode("…"));
    marks.forEach(function (r) {
      if (r[0] < at || r[1] > to) return;
      out.appendChild(document.createTextNode(text.slice(at, r[0])));
      out.appendChild(el("mark", null, text.slice(r[0], r[1])));
      at = r[1];
    });
    out.appendChild(document.createTextNode(text.slice(at, to) + (to < text.length ? "…" : "")));
    return out;
  }
  function resultItem(doc, p, n, listId) {
    var li = el("li", "pm-result");
    li.id = listId + "-" + n;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    var a = el("a", "pm-result-title", doc.t);
    a.href = href(doc.u);
    li.appendChild(a);
    var m = el("div", "pm-result-meta");
    m.appendChild(el("span", "pm-sev pm-sev-" + String(doc.s).toLowerCase().replace(/[^a-z0-9]/g, ""), doc.s));
    var time = el("time", null, doc.d);
    time.setAttribute("datetime", doc.d);
    m.appendChild(document.createTextNode(" "));
    m.appendChild(time);
    if (doc.v && doc.v.length) { m.appendChild(document.createTextNode(" ")); m.appendChild(el("span", "pm-services", doc.v.join(", "))); }
    li.appendChild(m);
    if (doc.x) li.appendChild(snippet(doc.x, p));
    return li;
  }
  // Result records come DOC_CHUNK (meta.dc) to a file.
  function loadDocs(ids) {
    var c = meta.dc;
    return Promise.all(ids.map(function (d) {
      var k = Math.floor(d / c);
      return load("docs:" + k, meta.docs + "/" + k + ".js").then(function (chunk) { return chunk[d - k * c]; });
    }));
  }

  // One search box: its input, where its results go, and keyboard state.
  var resultsBox = document.getElementById("pm-search-results");
  var facetsBox = document.getElementById("pm-search-facets");
  var boxes = [], seq = 0, lastResult = null, shown = 0;

  function Box(form) {
    var input = form.querySelector('input[name="q"]');
    if (!input) return null;
    var self = { form: form, input: input, active: -1, list: null };
    var listId = (input.id || "pm-search") + "-results";
    if (!resultsBox) {
      self.list = el("ul", "pm-search-dropdown");
      self.list.hidden = true;
      form.appendChild(self.list);
    }
    self.listId = listId;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.addEventListener("focus", function () { ensureMeta().catch(function () {}); });
    input.addEventListener("input", function () { search(self, input.value, true); });
    input.addEventListener("keydown", function (e) { keydown(self, e); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var opt = self.options()[self.active];
      if (opt) { location.href = opt.querySelector("a").href; return; }
      if (resultsBox) { search(self, input.value, false); return; }
      location.href = ROOT + "search/" + (FROM_DISK ? "index.html" : "") + "?q=" + encodeURIComponent(input.value);
    });
    self.target = function () { return resultsBox ? resultsBox.querySelector(".pm-results") : self.list; };
    self.options = function () { var t = self.target(); return t ? Array.prototype.slice.call(t.querySelectorAll(".pm-result")) : []; };
    return self;
  }
  function keydown(box, e) {
    var opts = box.options();
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!opts.length) return;
      e.preventDefault();
      box.active = e.key === "ArrowDown" ? Math.min(box.active + 1, opts.length - 1) : Math.max(box.active - 1, -1);
      opts.forEach(function (o, i) { o.setAttribute("aria-selected", String(i === box.active)); o.classList.toggle("pm-active", i === box.active); });
      if (box.active >= 0) { box.input.setAttribute("aria-activedescendant", opts[box.active].id); opts[box.active].scrollIntoView({ block: "nearest" }); }
      else box.input.removeAttribute("aria-activedescendant");
    } else if (e.key === "Escape" && box.list) {
      box.list.hidden = true;
      box.input.setAttribute("aria-expanded", "false");
    }
  }

  function ensureMeta() {
    if (meta) return Promise.resolve(meta);
    return load("meta", "meta.js").then(function (m) {
      if (m.v !== FORMAT) throw new Error("search index format " + m.v + ", this client reads " + FORMAT);
      meta = m; N = m.n;
      m.stop.forEach(function (w) { stop[w] = true; });
      return m;
    });
  }

  function search(box, q, typing) {
    var my = ++seq;
    if (resultsBox) {
      boxes.forEach(function (b) { if (b !== box) b.input.value = q; });
      try { history.replaceState(null, "", location.pathname + (q ? "?q=" + encodeURIComponent(q) : "")); } catch (err) { /* file:// may refuse */ }
    }
    return ensureMeta().then(function () { return run(q, typing); }).then(function (r) {
      if (my !== seq) return;
      lastResult = r;
      shown = 0;
      return render(box, r, true);
    }).catch(function () {
      if (my !== seq) return;
      status(box, "Search is not available: the index did not load.");
    });
  }
  function status(box, text) {
    var target = resultsBox || box.list;
    target.textContent = "";
    target.appendChild(el(resultsBox ? "p" : "li", "pm-search-status", text));
    if (box.list) box.list.hidden = !text;
  }
  function render(box, r, fresh) {
    var limit = resultsBox ? PAGE_SIZE : DROPDOWN_SIZE;
    var ids = r.docs.slice(shown, shown + limit);
    var my = seq;
    return loadDocs(ids).then(function (docs) {
      if (my !== seq) return;
      var target = resultsBox || box.list;
      var list;
      if (fresh) {
        target.textContent = "";
        box.active = -1;
        box.input.removeAttribute("aria-activedescendant");
        if (r.pages && r.pages.length) target.appendChild(pagesLine(r.pages, resultsBox ? "p" : "li"));
        if (resultsBox) {
          var q = box.input.value.trim();
          target.appendChild(el("p", "pm-search-status", !q && !anySelected() ? "" :
            r.docs.length === 0 ? "No postmortem matches." : r.docs.length === 1 ? "1 postmortem" : r.docs.length + " postmortems"));
          list = el("ol", "pm-results");
          target.appendChild(list);
        } else {
          list = target;
        }
        list.id = box.listId;
        list.setAttribute("role", "listbox");
      } else {
        list = target.querySelector(".pm-results");
      }
      ids.forEach(function (d, i) { list.appendChild(resultItem(docs[i], r.p, shown + i, box.listId)); });
      shown += ids.length;
      var more = target.querySelector(".pm-more");
      if (more) more.remove();
      if (resultsBox && shown < r.docs.length) {
        more = el("button", "pm-more", "Show more");
        more.type = "button";
        more.addEventListener("click", function () { render(box, r, false); });
        target.appendChild(more);
      }
      if (box.list) {
        var open = r.docs.length > 0 || !!(r.pages && r.pages.length);
        if (!r.docs.length && box.input.value.trim()) { list.appendChild(el("li", "pm-search-status", "No postmortem matches.")); open = true; }
        box.list.hidden = !open;
        box.input.setAttribute("aria-expanded", String(open));
      } else {
        box.input.setAttribute("aria-expanded", String(r.docs.length > 0));
        if (fresh) renderFacets(box, r);
      }
    });
  }

  function renderFacets(box, r) {
    if (!facetsBox || !facets) return;
    var focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.facet : null;
    facetsBox.textContent = "";
    if (!r.base.length && !anySelected()) return;
    KINDS.forEach(function (k) {
      var kind = k[0], sel = selected[kind] || {};
      var counts = new Uint32Array(facets[kind].values.length), of = facets[kind].of;
      r.base.forEach(function (d) {
        if (of[d] && passes(r.masks, d, kind)) of[d].forEach(function (vi) { counts[vi]++; });
      });
      var rows = facets[kind].values.map(function (e, vi) { return { e: e, n: counts[vi] }; })
        .filter(function (x) { return x.n > 0 || sel[x.e.value]; });
      if (!rows.length) return;
      if (kind !== "severity" && kind !== "year") rows.sort(function (a, b) { return b.n - a.n || (a.e.label < b.e.label ? -1 : 1); });
      var fs = el("fieldset", "pm-facet");
      fs.appendChild(el("legend", null, k[1]));
      rows.forEach(function (x, i) {
        var label = el("label", i >= 10 && !sel[x.e.value] ? "pm-facet-extra" : null);
        var cb = el("input");
        cb.type = "checkbox";
        cb.checked = !!sel[x.e.value];
        cb.dataset.facet = kind + ":" + x.e.value;
        cb.addEventListener("change", function () {
          selected[kind] = selected[kind] || {};
          if (cb.checked) selected[kind][x.e.value] = true; else delete selected[kind][x.e.value];
          search(box, box.input.value, false);
        });
        label.appendChild(cb);
        label.appendChild(document.createTextNode(" " + x.e.label + " "));
        label.appendChild(el("span", "pm-count", "(" + x.n + ")"));
        if (label.className === "pm-facet-extra") label.hidden = true;
        fs.appendChild(label);
      });
      if (rows.length > 10) {
        var all = el("button", "pm-facet-all", "All " + rows.length);
        all.type = "button";
        all.addEventListener("click", function () {
          fs.querySelectorAll(".pm-facet-extra").forEach(function (l) { l.hidden = false; });
          all.remove();
        });
        fs.appendChild(all);
      }
      facetsBox.appendChild(fs);
    });
    if (focused) {
      var again = Array.prototype.filter.call(facetsBox.querySelectorAll("input"), function (i) { return i.dataset.facet === focused; })[0];
      if (again) again.focus();
    }
  }

  document.querySelectorAll("form.pm-search").forEach(function (f) {
    var b = Box(f);
    if (b) boxes.push(b);
  });
  // Close a dropdown when focus leaves its form.
  document.addEventListener("click", function (e) {
    boxes.forEach(function (b) {
      if (b.list && !b.form.contains(e.target)) { b.list.hidden = true; b.input.setAttribute("aria-expanded", "false"); }
    });
  });
  // The search page runs the query in its URL (?q=), so searches can be shared.
  if (resultsBox && boxes.length) {
    var q = new URLSearchParams(location.search).get("q") || "";
    var main = boxes.filter(function (b) { return resultsBox.closest("main") && b.form.closest("main"); })[0] || boxes[0];
    boxes.forEach(function (b) { b.input.value = q; });
    ensureMeta().then(loadFacets).then(function () { if (q) search(main, q, false); }).catch(function () { status(main, "Search is not available: the index did not load."); });
  }
  api.query = function (q, typing) { return ensureMeta().then(function () { return run(q, !!typing); }); };
})();
