// Progressive enhancement only: every page works without this file.
// Destructive actions ask before they are sent: a form with data-confirm asks whatever
// button sends it; a button with data-confirm asks only when it is the one pressed
// (event.submitter, or the last submit button clicked where a browser lacks it).
var lastSubmitButton = null;
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button, input[type=submit]");
  lastSubmitButton = button && button.form ? button : null;
}, true);
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter ||
    (lastSubmitButton && lastSubmitButton.form === form ? lastSubmitButton : null);
  lastSubmitButton = null;
  var question = (button && button.getAttribute("data-confirm")) ||
    (form.getAttribute && form.getAttribute("data-confirm"));
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
// Move focus to the error summary so screen readers announce what to fix.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
});
// Quiz pages: save the whole form after each change, so nothing is lost if the connection
// drops; "Save answers" does the same without this script.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.quiz-form");
  if (!form || !window.fetch) { return; }
  var status = form.querySelector(".autosave-status");
  var timer = null;
  function save() {
    var body = new FormData(form);
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST", body: body, credentials: "same-origin"
    }).then(function (response) {
      if (status) {
        status.textContent = response.ok ? form.getAttribute("data-saved-text") || "✓" : "";
      }
    }).catch(function () { /* the Save button still works */ });
  }
  form.addEventListener("change", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 500);
  });
});
// ---- live Markdown preview (module editor, question bank, quiz builder) -------------------
// A textarea with data-preview-target="<id>", in a form with data-preview-url, shows its
// Markdown rendered by the server (the same function as saving, so what the trainer sees is
// what trainees will see) in the element with that id. Without this script the form's
// "Preview" button does the same with a full page load.
document.addEventListener("DOMContentLoaded", function () {
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!window.fetch || !token) { return; }
  var sources = document.querySelectorAll("textarea[data-preview-target]");
  Array.prototype.forEach.call(sources, function (source) {
    var url = source.form && source.form.getAttribute("data-preview-url");
    var pane = document.getElementById(source.getAttribute("data-preview-target"));
    if (!url || !pane) { return; }
    var timer = null;
    var latest = 0;
    source.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var request = ++latest;
        var body = new FormData();
        body.append("source", source.value);
        fetch(url, {
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
});
// ---- end of live preview ---------------------------------------------------------------------
// ---- certificates: copy buttons ------------------------------------------------------------
// <button data-copy="<id>" hidden> copies the value of the field with that id (a share link)
// and says so in [data-copy-status="<id>"]. The button stays hidden without this script: the
// readonly field and the plain link beside it still work.
document.addEventListener("DOMContentLoaded", function () {
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var id = button.getAttribute("data-copy");
    var source = document.getElementById(id);
    if (!source) { return; }
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    function say(ok) {
      if (status) {
        status.textContent = button.getAttribute(ok ? "data-copied-text" : "data-failed-text") || "";
      }
    }
    function fallback() {
      source.focus();
      source.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
      say(ok);
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.value !== undefined ? source.value : source.textContent;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { say(true); }, fallback);
      } else {
        fallback();
      }
    });
  });
});
// ---- end of certificates: copy buttons -----------------------------------------------------
