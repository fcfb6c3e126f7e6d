/* The admin's rich-text editor in the admin's language, with spell-check on.

   django-prose-editor names its toolbar buttons in English ("bold", "insert link"); its
   dialogs ask window.gettext, the admin's translation catalog (djangojs). Both are
   translated from that catalog here, as the editor builds them. The story text is
   Ukrainian whatever the admin's language, so the spell-checker checks Ukrainian. */
(function () {
  "use strict";
  var gettext = window.gettext || function (text) { return text; };
  var gettext_noop = function (text) { return text; };
  var LABELS = {
    "paragraph": gettext("paragraph"),
    "Paragraph": gettext("Paragraph"),
    "unordered list": gettext("unordered list"),
    "ordered list": gettext("ordered list"),
    "List properties": gettext("List properties"),
    "blockquote": gettext("blockquote"),
    "horizontal rule": gettext("horizontal rule"),
    "figure": gettext("figure"),
    "bold": gettext("bold"),
    "italic": gettext("italic"),
    "underline": gettext("underline"),
    "strike": gettext("strike"),
    "subscript": gettext("subscript"),
    "superscript": gettext("superscript"),
    "insert link": gettext("insert link"),
    "remove link": gettext("remove link"),
    "undo": gettext("undo"),
    "redo": gettext("redo"),
    "edit HTML": gettext("edit HTML"),
    "Toggle fullscreen": gettext("Toggle fullscreen")
  };
  // The editor's own dialogs translate these through window.gettext; listed so that
  // `makemessages -d djangojs` keeps them in the project's catalog.
  [
    gettext_noop("Cancel"), gettext_noop("Title"), gettext_noop("URL"), gettext_noop("Update"),
    gettext_noop("Insert"), gettext_noop("Edit Link"), gettext_noop("Open in new window"),
    gettext_noop("Alternative Text"), gettext_noop("Caption"), gettext_noop("Image URL"),
    gettext_noop("Insert Figure"), gettext_noop("Edit Figure"), gettext_noop("Edit Image"),
    gettext_noop("Add caption"), gettext_noop("Remove caption"), gettext_noop("Browse..."),
    gettext_noop("Edit HTML"), gettext_noop("Prettify"), gettext_noop("List type"),
    gettext_noop("Start at"), gettext_noop("Bullets"), gettext_noop("Decimal numbers"),
    gettext_noop("Lowercase letters"), gettext_noop("Uppercase letters"),
    gettext_noop("Lowercase Roman numerals"), gettext_noop("Uppercase Roman numerals")
  ];
  var HEADING = gettext("Heading %s");

  function label(text) {
    var heading = /^heading (\d)$/i.exec(text);
    if (heading) { return HEADING.replace("%s", heading[1]); }
    return Object.prototype.hasOwnProperty.call(LABELS, text) ? LABELS[text] : text;
  }

  function translate(root) {
    root.querySelectorAll(".prose-menubar [title], .prose-menubar [aria-label]").forEach(function (el) {
      ["title", "aria-label"].forEach(function (name) {
        var value = el.getAttribute(name);
        if (value) { el.setAttribute(name, label(value)); }
      });
    });
    root.querySelectorAll(".prose-menubar__option > *, .prose-menubar__selected").forEach(function (el) {
      var text = el.textContent;
      // only when it changes: writing the text is itself a change the observer sees
      if (el.children.length === 0 && text && label(text) !== text) { el.textContent = label(text); }
    });
    root.querySelectorAll(".ProseMirror[contenteditable]").forEach(function (el) {
      el.setAttribute("spellcheck", "true");
      el.setAttribute("lang", "uk");
    });
  }

  // A picture inserted at the end of the text is followed by an empty paragraph, so that
  // the author can go on writing, or insert the next picture of a gallery, after it.
  function keepRoomAfterPictures(editor) {
    editor.on("update", function () {
      var doc = editor.state.doc;
      if (doc.lastChild && doc.lastChild.type.name === "figure") {
        editor.commands.insertContentAt(doc.content.size, { type: "paragraph" });
      }
    });
  }
  document.addEventListener("prose-editor:ready", function (event) {
    keepRoomAfterPictures(event.detail.editor);
  });

  function start() {
    var editors = document.querySelectorAll(".prose-editor");
    if (!editors.length) { return; }
    translate(document);
    var observer = new MutationObserver(function () { translate(document); });
    editors.forEach(function (editor) {
      observer.observe(editor, { childList: true, subtree: true, characterData: false });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
