// While a story form is open, tell the server every minute and show who else has it open.
// Without JavaScript the server still records each opening of the form.
(function () {
  "use strict";
  const HEARTBEAT_MS = 60000;

  function start() {
    const box = document.getElementById("story-presence");
    const form = document.getElementById("article_form");
    if (!box || !box.dataset.presenceUrl || !form) return;
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!token) return;
    const beat = function () {
      fetch(box.dataset.presenceUrl, {
        method: "POST",
        headers: { "X-CSRFToken": token.value },
        credentials: "same-origin",
      })
        .then((response) => (response.ok ? response.json() : null))
        .then((data) => {
          if (!data) return;
          let live = box.querySelector("[data-live]");
          if (!data.others.length) {
            if (live) live.remove();
            return;
          }
          if (!live) {
            live = document.createElement("p");
            live.className = "help";
            live.dataset.live = "";
            live.setAttribute("role", "status");
            box.appendChild(live);
          }
          live.textContent = box.dataset.label + " " + data.others.map((o) => o.name).join(", ");
        })
        .catch(() => {});
    };
    window.setInterval(beat, HEARTBEAT_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
