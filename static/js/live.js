/* Newsroom live pages: new entries appear without a reload.

   The page works without this script (a reload shows every entry). With it, the page asks
   the fragment of entries changed since its revision every POLL_MS (8 s): an address every reader
   at that revision shares, so the cache in front answers them all from one copy. New
   entries go on top when the reader is at the top of the list; a reader who scrolled away
   gets a button "N нових оновлень" instead, and nothing moves under their eyes. A closed
   coverage stops the polling. */
(function () {
  "use strict";

  var POLL_MS = 8000;  // a new entry reaches 95 % of readers within 10 s (8 s × 0.95 + the trip)
  var root = document.querySelector("[data-live]");
  if (!root || !window.fetch) { return; }

  var list = root.querySelector("[data-live-entries]");
  var pinned = root.querySelector("[data-live-pinned]");
  var notice = root.querySelector("[data-live-new]");
  var button = notice.querySelector("button");
  var status = root.querySelector("[data-live-status]");
  var base = root.dataset.pollUrl.replace(/0\/$/, "");
  var revision = parseInt(root.dataset.revision, 10);
  var waiting = [];  // entries that came while the reader was away from the top
  var timer = null;
  var stopped = false;
  var plural = new Intl.PluralRules(document.documentElement.lang || "uk");

  function parse(html) {
    var box = document.createElement("div");
    box.innerHTML = html;  // text the server sanitised, from our own origin
    return box.firstElementChild;
  }

  function atTop() {
    return list.getBoundingClientRect().top >= 0;
  }

  /* Run `change` keeping the first entry the reader sees where it is on the screen. */
  function keepingPlace(change) {
    var anchor = null;
    var entries = root.querySelectorAll("[data-entry]");
    for (var i = 0; i < entries.length; i += 1) {
      if (entries[i].getBoundingClientRect().bottom > 0) { anchor = entries[i]; break; }
    }
    var before = anchor ? anchor.getBoundingClientRect().top : 0;
    change();
    if (anchor && anchor.isConnected) {
      var moved = anchor.getBoundingClientRect().top - before;
      if (moved) { window.scrollBy(0, moved); }
    }
  }

  function remove(id) {
    root.querySelectorAll('[data-entry="' + id + '"]').forEach(function (node) { node.remove(); });
    waiting = waiting.filter(function (item) { return item.id !== id; });
  }

  function pin(item) {
    var copy = parse(item.html);
    copy.id = "pinned-" + item.id;
    pinned.insertBefore(copy, pinned.querySelector("[data-entry]"));
    pinned.hidden = false;
  }

  function show(items) {
    var empty = list.querySelector("[data-live-empty]");
    if (empty) { empty.remove(); }
    // newest first in the answer: insert the oldest first, each on top
    items.slice().reverse().forEach(function (item) {
      remove(item.id);
      list.insertBefore(parse(item.html), list.firstElementChild);
      if (item.key_event) { pin(item); }
    });
  }

  function replace(item) {
    keepingPlace(function () {
      root.querySelectorAll('[data-entry="' + item.id + '"]').forEach(function (node) {
        var fresh = parse(item.html);
        fresh.id = node.id;
        node.replaceWith(fresh);
      });
    });
  }

  function label(count) {
    var form = plural.select(count);
    var pattern = root.dataset["new" + form.charAt(0).toUpperCase() + form.slice(1)] ||
      root.dataset.newOther;
    return pattern.replace("{n}", count);
  }

  function offer() {
    notice.hidden = waiting.length === 0;
    button.textContent = label(waiting.length);
  }

  function apply(data) {
    (data.removed || []).forEach(function (id) {
      keepingPlace(function () { remove(id); });
    });
    var fresh = [];
    data.entries.forEach(function (item) {
      if (root.querySelector('[data-entry="' + item.id + '"]')) { replace(item); } else { fresh.push(item); }
    });
    if (fresh.length) {
      if (atTop() && waiting.length === 0) {
        show(fresh);
      } else {
        waiting = fresh.concat(waiting);
        offer();
      }
    }
    revision = data.revision;
    root.dataset.revision = String(revision);
    if (data.reload) {
      notice.hidden = false;
      button.textContent = root.dataset.reload;
      button.dataset.reload = "1";
    }
    if (!data.running) { stop(); }
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
    root.removeAttribute("data-live");
    root.setAttribute("data-live-ended", "");
    status.textContent = root.dataset.ended;
  }

  function poll() {
    timer = null;
    if (stopped) { return; }
    if (document.hidden) { return; }  // resumed by visibilitychange
    fetch(base + revision + "/", { credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { apply(data); } })
      .catch(function () {})
      .then(schedule);
  }

  function schedule() {
    if (!stopped && timer === null) { timer = setTimeout(poll, POLL_MS); }
  }

  button.addEventListener("click", function () {
    if (button.dataset.reload) { window.location.reload(); return; }
    show(waiting);
    waiting = [];
    offer();
    list.scrollIntoView({ block: "start" });
  });

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !stopped) { clearTimeout(timer); timer = null; poll(); }
  });

  window.newsroomLive = { pollNow: function () { clearTimeout(timer); timer = null; poll(); } };
  schedule();
}());
