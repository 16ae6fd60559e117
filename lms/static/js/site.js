// Progressive enhancement only: every page works without this file.
// Forms with data-confirm ask before they are sent (destructive actions).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
// Move focus to the error summary so screen readers announce what to fix.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
});
// Live Markdown preview in the module editor: the server renders with the same function as
// saving, so what the trainer sees is exactly what trainees will see. Without this script the
// "Preview" button does the same with a full page load.
document.addEventListener("DOMContentLoaded", function () {
  var editor = document.querySelector("form.module-editor");
  if (!editor || !window.fetch) { return; }
  var source = editor.querySelector("textarea.editor-source");
  var pane = document.getElementById("preview-pane");
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!source || !pane || !token) { return; }
  var timer = null;
  var latest = 0;
  source.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var request = ++latest;
      var body = new FormData();
      body.append("source", source.value);
      fetch(editor.getAttribute("data-preview-url"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token.getAttribute("content") }
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        if (data && typeof data.html === "string" && request === latest) {
          pane.innerHTML = data.html;  // sanitised by the server's allowlist
        }
      }).catch(function () { /* keep the last preview; the button still works */ });
    }, 400);
  });
});
