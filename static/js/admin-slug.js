/* Fill a new slug from the headline (stories) or the name (sections, authors, tags) by
   the official Ukrainian transliteration (Cabinet of Ministers resolution No. 55, 2010),
   the same rules the server applies (articles/slugs.py). */
(function () {
  "use strict";
  var MAP = { "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "iu", "я": "ia", "ь": "", "'": "",
    "’": "", "ʼ": "" };
  var START = { "є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya" };

  function translit(text) {
    var out = "", prev = "";
    text.toLowerCase().split("").forEach(function (ch) {
      var atStart = !/[а-яіїєґ'’ʼ]/.test(prev);
      if (prev === "з" && ch === "г") { out += "gh"; }
      else if (atStart && START[ch]) { out += START[ch]; }
      else if (Object.prototype.hasOwnProperty.call(MAP, ch)) { out += MAP[ch]; }
      else { out += ch; }
      prev = ch;
    });
    return out.replace(/[^a-z0-9\s-]/g, "").trim().replace(/[\s-]+/g, "-").slice(0, 200).replace(/-+$/, "");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var title = document.getElementById("id_title") || document.getElementById("id_name");
    var slug = document.getElementById("id_slug");
    if (!title || !slug) { return; }
    var touched = slug.value !== "";
    slug.addEventListener("input", function () { touched = slug.value !== ""; });
    title.addEventListener("input", function () {
      if (!touched) { slug.value = translit(title.value); }
    });
  });
})();
