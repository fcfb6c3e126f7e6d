/* The live desk's composer: Ctrl+Enter (⌘+Enter) publishes; the form works without this. */
(function () {
  "use strict";
  var form = document.querySelector("[data-composer]");
  if (!form) { return; }
  var busy = false;
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (!busy) { busy = true; form.requestSubmit(); }
    }
  });
  form.addEventListener("submit", function () {
    busy = true;
    form.querySelector("[data-composer-submit]").disabled = true;
  });
}());
