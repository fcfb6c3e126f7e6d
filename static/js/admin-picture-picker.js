// The text editor's picture chooser (images/picker.py), opened in a small window by the
// editor's picture button: a chosen picture's address, alt text and caption (with the
// credit) go back to the editor's dialog, which inserts the figure. A picture just uploaded
// is chosen at once.
document.addEventListener("DOMContentLoaded", () => {
  const page = document.querySelector(".picture-picker");
  if (!page) return;
  const funcNum = page.dataset.funcNum;
  const editor = window.opener && window.opener.CKEDITOR && window.opener.CKEDITOR.tools;
  const choose = (button) => {
    if (!editor || !funcNum) return;
    editor.callFunction(Number(funcNum), button.dataset.pictureUrl, {
      id: button.dataset.pictureId,
      alternative_text: button.dataset.alt,
      caption: button.dataset.caption,
    });
    window.close();
  };
  page.querySelectorAll("button[data-picture-url]").forEach((button) => {
    button.addEventListener("click", () => choose(button));
  });
  const chosen = page.querySelector("button[data-chosen]");
  if (chosen) choose(chosen);
});
