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
// Printing shows model answers (a page cannot be opened on paper): the closed ones are opened
// before printing and closed again after (CSS ::details-content does it where supported).
(function () {
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.model-answer:not([open])").forEach(function (answer) {
      answer.open = true;
      opened.push(answer);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (answer) { answer.open = false; });
    opened = [];
  });
})();
// Move focus to the error summary so screen readers announce what to fix.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
});
// ---- quiz autosave --------------------------------------------------------------------------
// Quiz pages save the whole form after each change, so nothing is lost if the connection
// drops; "Save answers" does the same without this script. Every outcome is said in the
// status line at the top of the form (aria-live): saved; an answer that does not fit its
// question (the server's 422 names it, and its message goes beside the question; the other
// answers are saved); or a failure that may pass (no connection, a server error, signed out
// or a refused form token), retried with growing waits (base data-retry-ms, at most a
// minute) until it works. A refused token is renewed from data-token-url before the retry.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.quiz-form");
  if (!form || !window.fetch) { return; }
  var status = form.querySelector(".autosave-status");
  var timer = null;
  var failures = 0;
  var busy = false;
  var again = false;
  function text(name) { return form.getAttribute("data-" + name + "-text") || ""; }
  function say(message, kind) {
    if (!status) { return; }
    status.textContent = message;
    status.hidden = !message;
    ["alert", "alert-warning", "alert-danger", "text-success"].forEach(function (name) {
      status.classList.remove(name);
    });
    if (kind === "ok") {
      status.classList.add("text-success");
    } else {
      status.classList.add("alert", "alert-" + kind);
    }
    status.setAttribute("data-state", kind);
  }
  function mark(questions) {
    var messages = {};
    (questions || []).forEach(function (item) { messages[String(item.position)] = item; });
    var slots = form.querySelectorAll(".question-error");
    Array.prototype.forEach.call(slots, function (slot) {
      var item = messages[slot.getAttribute("data-position")];
      slot.textContent = item ? item.message : "";
      slot.hidden = !item;
      var section = slot.closest(".question");
      if (section) { section.classList.toggle("border-danger", !!item); }
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (field) {
      field.removeAttribute("aria-invalid");
      field.classList.remove("is-invalid");
    });
    (questions || []).forEach(function (item) {
      (item.fields || []).forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field && field.classList) {
          field.setAttribute("aria-invalid", "true");
          field.classList.add("is-invalid");
        }
      });
    });
  }
  function later(message) {
    failures += 1;
    var base = parseInt(form.getAttribute("data-retry-ms"), 10) || 2000;
    var delay = Math.min(base * Math.pow(2, failures - 1), 60000);
    say(message.replace("{seconds}", String(Math.round(delay / 1000))), "warning");
    window.clearTimeout(timer);
    timer = window.setTimeout(save, delay);
  }
  function isJson(response) {
    return (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
  }
  function renewToken() {
    return fetch(form.getAttribute("data-token-url"), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.ok && isJson(response) && !response.redirected ? response.json() : null;
    }).then(function (data) {
      var field = form.querySelector('input[name="csrf_token"]');
      if (!data || !data.csrf_token || !field) { return false; }
      field.value = data.csrf_token;
      return true;
    }).catch(function () { return false; });
  }
  function handle(response) {
    if (response.redirected || !isJson(response)) {
      if (response.status >= 500) { return later(text("server")); }
      // The sign-in page (the session ended) or the refused-form page (a stale token).
      return renewToken().then(function (renewed) {
        later(text(renewed ? "saving" : "signed-out"));
      });
    }
    return response.json().then(function (data) {
      var error = (data && data.error) || {};
      if (response.ok && data.saved) {
        failures = 0;
        mark([]);
        say(text("saved"), "ok");
      } else if (response.status === 422 || response.status === 409) {
        failures = 0;  // the trainee must act: no retry until the next change
        mark(error.questions);
        say(error.message || "", "danger");
      } else {
        later(text("server"));
      }
    });
  }
  function save() {
    window.clearTimeout(timer);
    if (busy) { again = true; return; }
    busy = true;
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(handle, function () {
      later(text("offline"));
    }).catch(function () {
      later(text("server"));
    }).then(function () {
      busy = false;
      if (again) { again = false; save(); }
    });
  }
  form.addEventListener("change", function () {
    window.clearTimeout(timer);
    failures = 0;
    timer = window.setTimeout(save, 500);
  });
});
// ---- end of quiz autosave -------------------------------------------------------------------
// ---- quiz time left --------------------------------------------------------------------------
// The attempt page and the summary say the minutes left (from the server); this keeps the
// figure current while the page stays open. Without the script the figure is the one the
// page was served with, and the deadline beside it.
document.addEventListener("DOMContentLoaded", function () {
  var slots = document.querySelectorAll(".quiz-time-left[data-deadline]");
  if (!slots.length) { return; }
  function tick() {
    Array.prototype.forEach.call(slots, function (slot) {
      var deadline = Date.parse(slot.getAttribute("data-deadline"));
      if (isNaN(deadline)) { return; }
      var minutes = Math.max(0, Math.ceil((deadline - Date.now()) / 60000));
      slot.textContent = (slot.getAttribute("data-left-text") || "").replace("{minutes}", String(minutes));
      slot.classList.toggle("text-danger", minutes <= 5);
    });
  }
  tick();
  window.setInterval(tick, 15000);
});
// ---- end of quiz time left -------------------------------------------------------------------
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
// ---- background jobs: the job page follows its job --------------------------------------
// [data-job-status-url] asks its JSON every second and updates the state, the count, the
// <progress> and the error; when the job ends the page reloads once to show the download
// link. Without this script the page shows the state when loaded (reload to see more).
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-job-status-url]");
  if (!box || box.hasAttribute("data-job-finished") || !window.fetch) { return; }
  var url = box.getAttribute("data-job-status-url");
  var state = box.querySelector("[data-job-state]");
  var count = box.querySelector("[data-job-count]");
  var bar = box.querySelector("[data-job-progress]");
  var error = box.querySelector("[data-job-error]");
  var failures = 0;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (job) {
        failures = 0;
        if (state) { state.textContent = job.state_label; }
        if (count) { count.textContent = job.count_text ? "(" + job.count_text + ")" : ""; }
        if (bar) { bar.value = job.percent; bar.textContent = job.percent_text; }
        if (error) { error.textContent = job.error || ""; error.hidden = !job.error; }
        if (job.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        failures += 1;
        if (failures < 30) { window.setTimeout(poll, Math.min(30000, 1000 * failures)); }
      });
  }
  window.setTimeout(poll, 1000);
});
// ---- end of background jobs ----------------------------------------------------------------

// A form with data-live-preview="<img id>" shows, in that image, the preview of what its
// selects choose: the image's data-src with the selects' values as the query (and a link
// with id "<img id>-pdf" to data-pdf with the same query). Without this script the page
// still works: the form's own submit saves, and the page shows the saved choice.
(function () {
  var forms = document.querySelectorAll("form[data-live-preview]");
  Array.prototype.forEach.call(forms, function (form) {
    var image = document.getElementById(form.getAttribute("data-live-preview"));
    if (!image) { return; }
    var link = document.getElementById(image.id + "-pdf");
    form.addEventListener("change", function () {
      var query = new URLSearchParams();
      Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
        query.set(select.name, select.value);
      });
      image.src = image.getAttribute("data-src") + "?" + query.toString();
      if (link) { link.href = image.getAttribute("data-pdf") + "?" + query.toString(); }
    });
  });
})();
