// A long job's progress on its page: polls the job's status (JSON) every second, shows the stage and how far it
// got, and reloads the page when the job has finished. Text is set with textContent only.
(function () {
  "use strict";
  var box = document.getElementById("build-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status");
  function poll() {
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (job) {
      if (!job) { return; }
      if (!job.running) { window.location.reload(); return; }
      document.getElementById("build-stage").textContent = job.stage || "";
      document.getElementById("build-count").textContent = job.total ? job.done + "/" + job.total : "";
      var bar = document.getElementById("build-bar");
      bar.max = job.total || 1;
      bar.value = job.done || 0;
      window.setTimeout(poll, 1000);
    }).catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
