// 批量派单 / 批量签收: the box in a list's header ticks or clears every case of the list.
document.querySelectorAll("input[data-select-all]").forEach(function (all) {
  var form = all.closest("form");
  all.addEventListener("change", function () {
    form.querySelectorAll("input[name=pick]").forEach(function (box) { box.checked = all.checked; });
  });
});
