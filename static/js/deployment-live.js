// A deployment's live figures and alert queues, kept current without a reload (each page shows
// the same figures without JavaScript, with a link to refresh it).
// - [data-live-counters]: polls the counters' JSON and writes each figure into its cell.
// - [data-alert-queue]: polls the queue's JSON; when the alerts waiting change, the page is
//   reloaded, unless the officer is writing a decision: then a banner offers the latest.
(function () {
  "use strict";
  if (!window.fetch) {
    return;
  }
  var INTERVAL = 3000;

  function poll(box, handle) {
    var url = box.getAttribute("data-url");
    var hint = box.querySelector("[data-refresh-hint]");
    if (hint) {
      hint.hidden = true;
    }
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (body) {
          if (handle(body) !== false) {
            window.setTimeout(tick, INTERVAL);
          }
        })
        .catch(function () {
          if (hint) {
            hint.hidden = false; // fall back to the link
          }
        });
    }
    window.setTimeout(tick, INTERVAL);
  }

  function write(box, attribute, figures) {
    Object.keys(figures || {}).forEach(function (key) {
      var cell = box.querySelector("[" + attribute + '="' + key + '"]');
      if (cell) {
        cell.textContent = String(figures[key]);
      }
    });
  }

  var counters = document.querySelector("[data-live-counters]");
  if (counters) {
    poll(counters, function (body) {
      write(counters, "data-counter", body.counters);
      write(counters, "data-ledger", body.ledger);
    });
  }

  function writing() {
    var fields = document.querySelectorAll("main textarea, main input[type=radio]:checked");
    for (var i = 0; i < fields.length; i += 1) {
      if (fields[i].type === "radio" || fields[i].value.trim() !== "") {
        return true;
      }
    }
    var active = document.activeElement;
    return Boolean(active && active.closest && active.closest("main form"));
  }

  var queue = document.querySelector("[data-alert-queue]");
  if (queue) {
    var key = queue.getAttribute("data-key");
    var shown = queue.getAttribute("data-ids") || "";
    var banner = queue.querySelector("[data-new-alerts]");
    poll(queue, function (body) {
      var now = (body[key] || []).join(",");
      if (now === shown) {
        return true;
      }
      if (!writing()) {
        window.location.reload();
        return false;
      }
      if (banner) {
        banner.hidden = false;
      }
      return true;
    });
  }
})();
