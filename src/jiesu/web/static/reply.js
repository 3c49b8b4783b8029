// 答复参考: "参照此答复" puts an earlier satisfied reply into the 办结答复 box, to be rewritten for this case
// (the box is only filled when empty or after asking, so a reply being written is never lost).
(function () {
  "use strict";
  document.querySelectorAll("[data-fill-reply]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var box = button.closest("details").querySelector("textarea[name=reply]");
      if (!box) { return; }
      if (box.value.trim() && !window.confirm("答复框中已有内容，替换为所选参考答复吗？")) { return; }
      box.value = button.getAttribute("data-fill-reply");
      box.focus();
    });
  });
}());
