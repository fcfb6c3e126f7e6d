/* Newsroom: the rating widget votes in place; everything works without this script. */
(function () {
  "use strict";

  function format(pattern, values) {
    return pattern.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  function setup(block) {
    var form = block.querySelector("[data-rating-form]");
    var lang = document.documentElement.lang || "uk";
    var plural = new Intl.PluralRules(lang);
    var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
    var announce = block.querySelector("[data-announce]");

    function votes(count) {
      var form = plural.select(count);
      return format(block.dataset[form] || block.dataset.other, { n: count });
    }

    function render(data) {
      var summary = format(block.dataset.summaryPattern, { avg: number.format(data.average) });
      block.querySelector("[data-average]").textContent = summary;
      block.querySelector("[data-count]").textContent = votes(data.count);
      var stars = block.querySelectorAll("[data-stars] .star");
      stars.forEach(function (star, index) {
        var fill = Math.max(0, Math.min(1, data.average - index));
        star.className = "star star-" + (fill >= 0.75 ? "full" : fill >= 0.25 ? "half" : "empty");
      });
      var mine = block.querySelector("[data-mine]");
      if (data.your_score) {
        mine.textContent = format(block.dataset.yourPattern, { score: data.your_score });
        mine.hidden = false;
        if (form) {
          var radio = form.querySelector('input[name="score"][value="' + data.your_score + '"]');
          if (radio) { radio.checked = true; }
        }
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
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
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
            announce.textContent = result.data.error || block.dataset.error;
            return;
          }
          var summary = render(result.data);
          announce.textContent = format(block.dataset.thanksPattern, {
            summary: summary, votes: votes(result.data.count)
          });
        })
        .catch(function () { announce.textContent = block.dataset.error; })
        .finally(function () { button.disabled = false; });
    });
  }

  document.querySelectorAll("[data-rating]").forEach(setup);
})();
