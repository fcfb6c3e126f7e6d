/* Newsroom: small improvements on pages that work without this script. */
(function () {
  "use strict";

  function format(pattern, values) {
    return pattern.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  /* The rating block: a click on a star votes at once and the block updates in place.
     Keyboards move between stars with the arrows and vote with Enter or the button. */
  function setupRating(block) {
    var form = block.querySelector("[data-rating-form]");
    var lang = document.documentElement.lang || "uk";
    var plural = null;
    var number = null;
    var announce = block.querySelector("[data-announce]");

    // Made on the first vote shown: a page only read needs neither (each costs a slow
    // phone tens of milliseconds before the page answers a tap).
    function formats() {
      if (!plural) {
        plural = new Intl.PluralRules(lang);
        number = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
      }
    }

    function votes(count) {
      formats();
      return format(block.dataset[plural.select(count)] || block.dataset.other, { n: count });
    }

    function say(text, isError) {
      announce.textContent = text;
      announce.classList.toggle("rating-status-error", Boolean(isError));
    }

    function render(data) {
      formats();
      var summary = format(block.dataset.summaryPattern, { avg: number.format(data.average) });
      if (data.count) {
        block.querySelector("[data-average]").textContent = summary;
        block.querySelector("[data-count]").textContent = votes(data.count);
        var dot = block.querySelector("[data-count]").previousSibling;
        if (!dot || dot.nodeType !== 3) {
          block.querySelector("[data-count]").before(document.createTextNode(" · "));
        }
      }
      block.querySelectorAll("[data-stars] .star").forEach(function (star, index, all) {
        var value = index + 1;
        var fill = Math.max(0, Math.min(1, data.average - (value - 1)));
        star.classList.remove("star-full", "star-half", "star-empty");
        star.classList.add(fill >= 0.75 ? "star-full" : fill >= 0.25 ? "star-half" : "star-empty");
      });
      var mine = block.querySelector("[data-mine]");
      if (data.your_score) {
        mine.textContent = format(block.dataset.yourPattern, { score: data.your_score });
        mine.hidden = false;
        var radio = form && form.querySelector('input[name="score"][value="' + data.your_score + '"]');
        if (radio) { radio.checked = true; }
      }
      return summary;
    }

    if (document.cookie.split("; ").indexOf("nr_voted=1") !== -1) {
      fetch(block.dataset.mineUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { render(data); } })
        .catch(function () {});
    }

    if (!form) { return; }
    block.setAttribute("data-one-click", "");
    var button = form.querySelector("button[type=submit]");
    var busy = false;

    function send() {
      if (busy || !form.querySelector("input[name=score]:checked")) { return; }
      busy = true;
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        // A signed-in user's form carries their CSRF token in the form data; an
        // anonymous reader's needs none (the browser's Origin and Sec-Fetch-Site do).
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      })
        .then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        })
        .then(function (result) {
          if (!result.ok) {
            say(result.data.error || block.dataset.error, true);
            return;
          }
          var summary = render(result.data);
          say(format(block.dataset.thanksPattern, { summary: summary, votes: votes(result.data.count) }));
        })
        .catch(function () { say(block.dataset.error, true); })
        .finally(function () { busy = false; button.disabled = false; });
    }

    // A pointer's pick votes; a keyboard's arrows only choose (Enter or the button vote).
    var pointed = false;
    form.addEventListener("pointerdown", function () { pointed = true; });
    form.addEventListener("keydown", function () { pointed = false; });
    form.addEventListener("change", function () { if (pointed) { send(); } });
    form.addEventListener("submit", function (event) { event.preventDefault(); send(); });
  }

  /* Dates as "сьогодні, 14:05" and "вчора, 09:10" by the reader's own clock. Pages are
     stored for every reader, so they carry the absolute time: a stored page never says
     "today" on the next day. The day is Kyiv's, as on the server: a time's datetime is
     written in Kyiv time with its offset ("2026-12-06T14:05:00+02:00"), so its day and
     clock are read from it, and Kyiv's today is the reader's clock moved by the offset
     of the page's latest time. No time-zone data is loaded: Intl's costs a slow phone a
     third of a second before the page answers a tap. */
  var STAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::[\d.]+)?(Z|([+-])(\d{2}):(\d{2}))$/;

  function kyivDay(ms, offsetMinutes) {
    return new Date(ms + offsetMinutes * 60000).toISOString().slice(0, 10);
  }

  function relativeDates() {
    var body = document.body;
    var stamps = [];
    var latest = null;
    document.querySelectorAll("time[data-relative]").forEach(function (el) {
      var value = el.getAttribute("datetime") || "";
      var parts = STAMP.exec(value);
      var when = parts ? Date.parse(value) : NaN;
      if (isNaN(when)) { stamps.push({ el: el, day: value }); return; }
      var offset = parts[3] === "Z" ? 0 : (parts[4] === "-" ? -1 : 1) * (parts[5] * 60 + +parts[6]);
      stamps.push({ el: el, date: parts[1], clock: parts[2] });
      if (!latest || when > latest.when) { latest = { when: when, offset: offset }; }
    });
    if (!latest) { return; }
    var now = Date.now();
    var today = kyivDay(now, latest.offset);
    var yesterday = kyivDay(now - 24 * 3600 * 1000, latest.offset);
    stamps.forEach(function (stamp) {
      var el = stamp.el;
      if (el.dataset.relative === "day") {  // a day heading of the news feed: "2026-12-05"
        var name = stamp.day === today ? body.dataset.today
          : stamp.day === yesterday ? body.dataset.yesterday : "";
        if (name) {
          el.title = el.textContent;
          el.textContent = name.charAt(0).toUpperCase() + name.slice(1) + ", " + el.textContent;
        }
        return;
      }
      if (!stamp.date) { return; }
      var word = stamp.date === today ? body.dataset.today
        : stamp.date === yesterday ? body.dataset.yesterday : "";
      if (word) {
        el.title = el.textContent;
        el.textContent = word + ", " + stamp.clock;
      }
    });
  }

  /* Embeds: the facade is a link to the post; a click puts the player in its place.
     Nothing is asked of YouTube, Telegram or X before that click. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".embed-facade");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    var box = link.closest("[data-embed-src]");
    event.preventDefault();
    var frame = document.createElement("iframe");
    frame.src = box.dataset.embedSrc;
    frame.title = box.dataset.embedTitle;
    frame.setAttribute("allow", "autoplay; encrypted-media; picture-in-picture; fullscreen");
    frame.setAttribute("allowfullscreen", "");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    box.replaceChild(frame, link);
    box.classList.add("embed-loaded");
    frame.focus();
  });

  /* Most read: one view counted per story page, with no cookie (articles/popularity.py). */
  var story = document.querySelector("[data-view-url]");
  if (story && navigator.sendBeacon) { navigator.sendBeacon(story.dataset.viewUrl); }

  /* The menu of sections scrolls sideways on a phone: a shade and an arrow at an edge
     say that more sections lie that way. */
  function scrollSigns(nav) {
    var list = nav.querySelector("ul");
    function update() {
      var more = [];
      if (list.scrollLeft > 2) { more.push("start"); }
      if (list.scrollLeft + list.clientWidth < list.scrollWidth - 2) { more.push("end"); }
      nav.setAttribute("data-more", more.join(" "));
    }
    list.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    var current = list.querySelector("[aria-current]");
    if (current && current.offsetLeft + current.offsetWidth > list.clientWidth) {
      list.scrollLeft = current.offsetLeft - 16;  // the reader's section in view
    }
    update();
  }

  document.querySelectorAll("[data-scroller]").forEach(scrollSigns);
  relativeDates();
  document.querySelectorAll("[data-rating]").forEach(setupRating);
})();
