/*
 * Saves the rating form as the person rates.
 *
 * Every change is kept in localStorage first, then sent (debounced) to the form's own URL with
 * the assessment version it was based on. A change leaves localStorage only once the server has
 * confirmed it, so a reload, a closed tab or a lost connection loses nothing. Without this script
 * the form still works through its Save button.
 */
(function () {
  "use strict";

  var form = document.getElementById("rating-form");
  if (!form || !window.fetch) {
    return;
  }

  var DEBOUNCE_MS = 700;
  var RETRY_MS = 5000;
  var storageKey = form.dataset.storageKey;
  var statusBox = document.getElementById("save-status");
  var conflictBox = document.getElementById("conflict");
  var conflictMessage = document.getElementById("conflict-message");
  var versionInput = form.querySelector("input[name=version]");
  var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var progress = document.getElementById("progress");
  // Read as an attribute: the buttons named "action" shadow the form's action property.
  var saveUrl = form.getAttribute("action");

  var version = parseInt(form.dataset.version, 10);
  var timer = null;
  var current = null; // the request on its way, if any
  var failed = false; // the last request was refused or could not be sent
  var blocked = false; // after a stale write: nothing is sent until the page is reloaded
  var state = readState();

  function readState() {
    try {
      var raw = window.localStorage.getItem(storageKey);
      var parsed = raw ? JSON.parse(raw) : null;
      if (parsed && parsed.changes && typeof parsed.base === "number") {
        return parsed;
      }
    } catch (error) {
      // Unreadable or unavailable storage: start clean rather than break the form.
    }
    return { base: version, changes: {} };
  }

  function writeState() {
    try {
      if (Object.keys(state.changes).length === 0) {
        window.localStorage.removeItem(storageKey);
      } else {
        window.localStorage.setItem(storageKey, JSON.stringify(state));
      }
    } catch (error) {
      // Private browsing may refuse storage; the server copy still works.
    }
  }

  function pendingCount() {
    return Object.keys(state.changes).length;
  }

  function setStatus(text, kind) {
    if (!statusBox) {
      return;
    }
    statusBox.textContent = text;
    statusBox.className = "save-status" + (kind ? " " + kind : "");
  }

  function message(name) {
    return statusBox ? statusBox.dataset[name] || "" : "";
  }

  function fieldsetFor(code) {
    return document.getElementById("ind-" + code);
  }

  function readInput(code) {
    var checked = form.querySelector('input[name="score-' + cssEscape(code) + '"]:checked');
    var note = form.querySelector('textarea[name="note-' + cssEscape(code) + '"]');
    return { score: checked ? checked.value : "", note: note ? note.value : "" };
  }

  function writeInput(code, value) {
    var radios = form.querySelectorAll('input[name="score-' + cssEscape(code) + '"]');
    Array.prototype.forEach.call(radios, function (radio) {
      radio.checked = radio.value === value.score;
    });
    var note = form.querySelector('textarea[name="note-' + cssEscape(code) + '"]');
    if (note) {
      note.value = value.note;
      if (value.note) {
        note.closest("details").open = true;
      }
    }
  }

  function cssEscape(value) {
    return window.CSS && CSS.escape ? CSS.escape(value) : value.replace(/"/g, '\\"');
  }

  function codeOf(element) {
    var fieldset = element.closest("fieldset.indicator");
    return fieldset ? fieldset.dataset.code : null;
  }

  function updateProgress() {
    var total = parseInt(progress.dataset.total, 10);
    var rated = form.querySelectorAll(".scale input[type=radio]:checked").length;
    progress.querySelector(".progress-label").textContent = progress.dataset.template
      .replace("__RATED__", rated)
      .replace("__TOTAL__", total);
    var bar = progress.querySelector(".progress");
    bar.setAttribute("aria-valuenow", rated);
    bar.classList.toggle("ok", rated === total);
    bar.querySelector(".progress-bar").style.width = (total ? Math.round((100 * rated) / total) : 0) + "%";
    Array.prototype.forEach.call(document.querySelectorAll("[data-section]"), function (section) {
      var count = document.querySelector('[data-section-count="' + section.dataset.section + '"]');
      if (count) {
        var items = section.querySelectorAll("fieldset.indicator").length;
        var done = section.querySelectorAll(".scale input[type=radio]:checked").length;
        count.textContent = done + "/" + items;
      }
    });
  }

  function clearError(code) {
    var box = document.getElementById("js-err-" + code);
    if (box) {
      box.hidden = true;
      box.textContent = "";
    }
  }

  function showErrors(errors) {
    Object.keys(errors || {}).forEach(function (code) {
      var box = document.getElementById("js-err-" + code);
      if (box) {
        box.textContent = errors[code].join(" ");
        box.hidden = false;
        fieldsetFor(code).classList.add("has-error");
      }
    });
  }

  function remember(code) {
    state.changes[code] = readInput(code);
    writeState();
    clearError(code);
    updateProgress();
    if (!blocked) {
      setStatus(message("unsaved"), "");
      schedule(DEBOUNCE_MS);
    }
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(flush, delay);
  }

  function sameValue(a, b) {
    return a && b && a.score === b.score && a.note === b.note;
  }

  function updateLevels(levels) {
    (levels || []).forEach(function (level) {
      var row = document.querySelector('[data-level-row="' + level.code + '"]');
      if (!row) {
        return;
      }
      row.querySelector("[data-level]").textContent = level.level;
      row.querySelector("[data-gap]").innerHTML = level.gap_html;
      row.querySelector("[data-reason]").textContent = level.reason;
    });
  }

  function showConflict(text) {
    blocked = true;
    state.conflict = true;
    writeState();
    conflictMessage.textContent = text;
    conflictBox.hidden = false;
    setStatus(message("failed"), "error");
  }

  // Sends every pending change once; resolves true when nothing is left to send.
  function flush() {
    window.clearTimeout(timer);
    if (blocked) {
      return Promise.resolve(false);
    }
    if (current) {
      // One request at a time, so each carries the version the previous one returned.
      return current.then(function () {
        return flush();
      });
    }
    var codes = Object.keys(state.changes);
    if (codes.length === 0) {
      return Promise.resolve(true);
    }
    var sent = {};
    // URL-encoded rather than FormData's multipart: the same fields, and far cheaper for the server to parse.
    var body = new URLSearchParams();
    body.append("version", String(version));
    codes.forEach(function (code) {
      sent[code] = state.changes[code];
      body.append("score-" + code, sent[code].score);
      body.append("note-" + code, sent[code].note);
    });
    failed = false;
    setStatus(message("saving"), "");
    current = window
      .fetch(saveUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfInput.value, "X-Requested-With": "fetch" },
      })
      .then(function (response) {
        var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!isJson) {
          // A redirect to the sign-in page, or a proxy's error page.
          setStatus(response.redirected ? message("signedOut") : message("failed"), "error");
          failed = true;
          return false;
        }
        return response.json().then(function (data) {
          if (response.ok) {
            version = data.version;
            versionInput.value = String(version);
            form.dataset.version = String(version);
            codes.forEach(function (code) {
              // Keep a change made while this request was on its way; it goes out next.
              if (sameValue(state.changes[code], sent[code])) {
                delete state.changes[code];
              }
            });
            state.base = version;
            writeState();
            updateLevels(data.levels);
            if (pendingCount() > 0) {
              setStatus(message("unsaved"), "");
              schedule(DEBOUNCE_MS);
              return false;
            }
            setStatus(data.message, "ok");
            return true;
          }
          if (response.status === 409) {
            showConflict(data.error);
          } else if (response.status === 400) {
            showErrors(data.errors);
            setStatus(data.error, "error");
          } else {
            setStatus(data.error || message("failed"), "error");
          }
          failed = true;
          return false;
        });
      })
      .catch(function () {
        setStatus(message("offline"), "warning");
        schedule(RETRY_MS);
        failed = true;
        return false;
      })
      .then(function (done) {
        current = null;
        return done;
      });
    return current;
  }

  // Sends until nothing is pending, or until a request fails; resolves true when all is saved.
  function flushAll() {
    return flush().then(function (done) {
      return done || failed || blocked ? done : flushAll();
    });
  }

  function restore() {
    var codes = Object.keys(state.changes);
    if (codes.length === 0) {
      state.base = version;
      return;
    }
    codes.forEach(function (code) {
      // A change the server already holds (its reply was lost, say) needs no second trip.
      if (!fieldsetFor(code) || sameValue(readInput(code), state.changes[code])) {
        delete state.changes[code];
      } else {
        writeInput(code, state.changes[code]);
      }
    });
    writeState();
    updateProgress();
    if (pendingCount() === 0) {
      state.base = version;
      return;
    }
    state.base = version;
    if (state.conflict) {
      // These changes were refused as stale: let the person compare them with the latest first.
      state.conflict = false;
      writeState();
      setStatus(message("restoredConflict"), "warning");
    } else {
      // Not sent, or sent without an answer: they are the person's latest input, so send them.
      writeState();
      setStatus(message("restored"), "warning");
      schedule(0);
    }
  }

  form.addEventListener("change", function (event) {
    var code = codeOf(event.target);
    if (code && (event.target.type === "radio" || event.target.tagName === "TEXTAREA")) {
      remember(code);
    }
  });

  form.addEventListener("input", function (event) {
    var code = codeOf(event.target);
    if (code && event.target.tagName === "TEXTAREA") {
      remember(code);
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var action = event.submitter ? event.submitter.value : "save";
    flushAll().then(function (done) {
      if (done && action === "submit") {
        window.location.href = form.dataset.submitUrl;
      }
    });
  });

  document.getElementById("reload-button").addEventListener("click", function () {
    window.location.reload();
  });

  window.addEventListener("online", function () {
    schedule(0);
  });

  restore();
})();
