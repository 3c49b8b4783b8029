// 打印: the case page printed (or saved as PDF) as the case's sheet — for a unit that works on paper, or the
// archive; the print stylesheet leaves out the menus and forms. Personal data prints as the page shows it.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
}());
