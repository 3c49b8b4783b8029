// Drill-down: a click on a bar, slice, point or area opens the list of cases behind it. The address comes from
// the chart's own data (customdata, built by the server); only same-site paths are followed.
(function () {
  "use strict";
  function follow(event) {
    var point = event && event.points && event.points[0];
    var target = point && (point.customdata || (point.data && point.data.meta));
    if (Array.isArray(target)) { target = target[0]; }
    if (typeof target === "string" && target.charAt(0) === "/" && target.charAt(1) !== "/") {
      window.location.assign(target);
    }
  }
  function attach() {
    var plots = document.querySelectorAll(".js-plotly-plot");
    for (var i = 0; i < plots.length; i++) {
      if (plots[i].on && !plots[i].dataset.drill) { plots[i].on("plotly_click", follow); plots[i].dataset.drill = "1"; }
    }
  }
  if (document.readyState === "complete") { attach(); } else { window.addEventListener("load", attach); }
})();
