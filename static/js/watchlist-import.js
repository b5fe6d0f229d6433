// The import page's progress bar and counts, kept current without a reload (the page shows
// the same figures without JavaScript, with a link to refresh it). When the job stops, the
// page is reloaded once to show every row's result.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-url");
  var bar = box.querySelector("progress");
  var hint = box.querySelector("[data-refresh-hint]");
  if (!hint) {
    return; // already finished when the page was drawn
  }
  hint.hidden = true;

  function show(progress) {
    Object.keys(progress).forEach(function (key) {
      var cell = box.querySelector('[data-field="' + key + '"]');
      if (cell) {
        cell.textContent = String(progress[key]);
      }
    });
    if (bar) {
      bar.max = Math.max(progress.total_rows, 1);
      bar.value = progress.processed_rows;
      bar.textContent = progress.percent + "%";
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (progress.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () {
        hint.hidden = false; // fall back to the link
      });
  }

  window.setTimeout(poll, 1000);
})();
