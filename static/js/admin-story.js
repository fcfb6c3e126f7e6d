/* The story form's comforts; the form works without them.

   - An image chosen without its description: the save waits and asks for the alt text,
     so the upload is not lost to a validation error.
   - Other news picks reorder by dragging a row, or with the "up" and "down" buttons.
   - Tags suggest existing tags as they are typed.
   - Autosave: the headline, teaser and text are kept in this browser every 15 seconds
     while they change; after a crash the form offers them back (a preview keeps them). */
(function () {
  "use strict";
  var gettext = window.gettext || function (text) { return text; };

  // The add form's "Preview" sends the form to a new tab and saves nothing.
  function isPreview(event) {
    return Boolean(event.submitter && event.submitter.name === "_preview");
  }

  function altBeforeUpload(form) {
    var file = form.querySelector("#id_lead_image");
    var alt = form.querySelector("#id_lead_image_alt");
    if (!file || !alt) { return; }
    var note = document.createElement("p");
    note.className = "errornote story-alt-note";
    note.hidden = true;
    note.textContent = gettext("Describe the image before saving, so the upload is kept.");
    alt.insertAdjacentElement("afterend", note);
    file.addEventListener("change", function () {
      if (file.files.length && !alt.value.trim()) { alt.focus(); }
    });
    form.addEventListener("submit", function (event) {
      if (isPreview(event)) { return; }  // a preview keeps nothing: no alt text needed
      if (file.files.length && !alt.value.trim()) {
        event.preventDefault();
        event.stopImmediatePropagation();
        note.hidden = false;
        alt.setAttribute("aria-invalid", "true");
        alt.focus();
      }
    }, true);
  }

  function reorderPicks(group) {
    var body = group.querySelector("tbody");
    if (!body) { return; }
    var dragged = null;

    function rows() {
      return Array.prototype.filter.call(body.querySelectorAll("tr.form-row"), function (row) {
        return !row.classList.contains("empty-form");
      });
    }
    function filled(row) {
      var target = row.querySelector("select[name$='-target']");
      var url = row.querySelector("input[name$='-url']");
      return (target && target.value) || (url && url.value);
    }
    function renumber() {
      var n = 0;
      rows().forEach(function (row) {
        var position = row.querySelector("input[name$='-position']");
        if (position && filled(row)) { position.value = n++; }
      });
    }
    function move(row, offset) {
      var list = rows();
      var index = list.indexOf(row);
      var other = list[index + offset];
      if (!other) { return; }
      body.insertBefore(row, offset < 0 ? other : other.nextSibling);
      renumber();
    }
    function button(label, symbol, offset, row) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "pick-move";
      b.textContent = symbol;
      b.setAttribute("aria-label", label);
      b.title = label;
      b.addEventListener("click", function () { move(row, offset); b.focus(); });
      return b;
    }
    function setup(row) {
      if (row.dataset.reorder) { return; }
      row.dataset.reorder = "1";
      row.draggable = true;
      var cell = row.querySelector("td.field-position") || row.querySelector("td");
      var tools = document.createElement("span");
      tools.className = "pick-tools";
      var handle = document.createElement("span");
      handle.className = "pick-handle";
      handle.textContent = "⠿";
      handle.title = gettext("Drag to reorder");
      handle.setAttribute("aria-hidden", "true");
      tools.append(handle, button(gettext("Move up"), "↑", -1, row), button(gettext("Move down"), "↓", 1, row));
      cell.prepend(tools);
      row.addEventListener("dragstart", function (event) {
        if (event.target.closest("input, select, textarea, .select2")) { event.preventDefault(); return; }
        dragged = row;
        row.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", "pick");
      });
      row.addEventListener("dragend", function () { row.classList.remove("dragging"); dragged = null; });
      row.addEventListener("dragover", function (event) {
        if (!dragged || dragged === row) { return; }
        event.preventDefault();
        var box = row.getBoundingClientRect();
        var after = event.clientY > box.top + box.height / 2;
        body.insertBefore(dragged, after ? row.nextSibling : row);
      });
      row.addEventListener("drop", function (event) { event.preventDefault(); renumber(); });
    }
    rows().forEach(setup);
    document.addEventListener("formset:added", function (event) {
      if (group.contains(event.target)) { setup(event.target); }
    });
  }

  function tagSuggestions(input) {
    var url = input.dataset.suggestUrl;
    if (!url) { return; }
    var list = document.createElement("datalist");
    list.id = "story-tag-suggestions";
    input.after(list);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    var asked = "";
    input.addEventListener("input", function () {
      var parts = input.value.split(",");
      var last = parts.pop().trim();
      var before = parts.map(function (p) { return p.trim(); }).filter(Boolean);
      if (!last || last === asked) { return; }
      asked = last;
      fetch(url + "?q=" + encodeURIComponent(last), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { tags: [] }; })
        .then(function (data) {
          if (asked !== last) { return; }  // an answer to an older keystroke
          list.replaceChildren.apply(list, data.tags.map(function (name) {
            var option = document.createElement("option");
            option.value = before.concat([name]).join(", ");
            return option;
          }));
        })
        .catch(function () {});
    });
  }

  var FIELDS = ["id_title", "id_teaser", "id_body"];

  function autosaveKey() {
    // the story's version and the draft's: text kept for one is not offered for another
    var version = document.getElementById("id_based_on_version");
    var draft = document.getElementById("id_draft_version");
    return "newsroom:autosave:" + location.pathname + ":" + (version ? version.value : "") +
      (draft && draft.value && draft.value !== "0" ? ":draft-" + draft.value : "");
  }

  // Runs before the rich-text editor starts (readyState "interactive" comes before
  // module scripts), so text brought back is what the editor opens with.
  function restorePending() {
    var key = autosaveKey();
    var saved = JSON.parse(localStorage.getItem(key) || "null");
    if (!saved || !saved.restore) { return; }
    FIELDS.forEach(function (id) {
      var field = document.getElementById(id);
      if (field && saved.values[id] !== undefined) { field.value = saved.values[id]; }
    });
    localStorage.removeItem(key);
  }

  function autosave(form) {
    var key = autosaveKey();
    var saved = JSON.parse(localStorage.getItem(key) || "null");
    var current = function () {
      var values = {};
      FIELDS.forEach(function (id) {
        var field = document.getElementById(id);
        if (field) { values[id] = field.value; }
      });
      return values;
    };
    var opened = JSON.stringify(current());
    if (saved && JSON.stringify(saved.values) !== opened) {
      var bar = document.createElement("div");
      bar.className = "messagelist story-autosave";
      var when = new Date(saved.at).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
      var text = document.createElement("span");
      text.textContent = gettext("Unsaved changes from %s are kept in this browser.").replace("%s", when) + " ";
      var restore = document.createElement("button");
      restore.type = "button";
      restore.className = "button";
      restore.textContent = gettext("Bring them back");
      restore.addEventListener("click", function () {
        saved.restore = true;
        localStorage.setItem(key, JSON.stringify(saved));
        location.reload();
      });
      var drop = document.createElement("button");
      drop.type = "button";
      drop.className = "button";
      drop.textContent = gettext("Discard");
      drop.addEventListener("click", function () { localStorage.removeItem(key); bar.remove(); });
      bar.append(text, restore, " ", drop);
      form.prepend(bar);
    }
    var changed = false;
    form.addEventListener("input", function () { changed = true; });
    window.setInterval(function () {
      var values = current();
      if (!changed && JSON.stringify(values) === opened) { return; }
      changed = false;
      localStorage.setItem(key, JSON.stringify({ at: Date.now(), values: values }));
    }, 15000);
    form.addEventListener("submit", function (event) {
      if (!isPreview(event)) { localStorage.removeItem(key); }  // a preview saves nothing
    });
  }

  document.addEventListener("readystatechange", function () {
    if (document.readyState === "interactive" && document.getElementById("article_form")) {
      try { restorePending(); } catch (error) { /* storage may be unavailable */ }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("article_form");
    if (!form) { return; }
    altBeforeUpload(form);
    var group = document.getElementById("related_links-group");
    if (group) { reorderPicks(group); }
    var tags = document.getElementById("id_tags");
    if (tags) { tagSuggestions(tags); }
    try { autosave(form); } catch (error) { /* storage may be unavailable */ }
  });
})();
