// 现场照片: a picture from a phone camera (often 3–8 MB, larger than the 5 MB a photo may be) is scaled down in the
// browser before it is sent — at most 1,600 px on its longest side, as JPEG — so that it uploads quickly on a
// mobile network and fits the limit. What the camera wrote beside the picture (where and when it was taken) the
// server takes out of every photo (`services/image_metadata.py`). Without this script (or in an old browser) the
// pictures go as chosen and the server says what it refuses.
(function () {
  "use strict";
  var LONGEST = 1600, QUALITY = 0.85, SMALL = 300 * 1024;

  function shrink(file) {
    if (!/^image\/(jpeg|png)$/.test(file.type)) { return Promise.resolve(file); }  // the server will say why not
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, LONGEST / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size <= SMALL) { bitmap.close(); return file; }  // small already: sent as it is
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";  // a transparent PNG on white, not black
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", QUALITY); }).then(function (blob) {
        if (!blob || blob.size >= file.size) { return file; }
        return new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" });
      });
    }, function () { return file; });  // not a picture the browser can read: sent as it is
  }

  document.querySelectorAll("input[type=file][name=photos]").forEach(function (input) {
    var most = parseInt(input.getAttribute("data-max") || "0", 10);
    var status = document.createElement("span");
    status.className = "muted photo-status";
    status.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", status);
    input.addEventListener("change", function () {
      var chosen = Array.prototype.slice.call(input.files);
      input.setCustomValidity(most && chosen.length > most ? "最多 " + most + " 张照片，请重新选择" : "");
      if (!chosen.length || !window.DataTransfer || !window.createImageBitmap) { return; }
      var buttons = input.form ? input.form.querySelectorAll("button[type=submit]") : [];
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });  // not sent half done
      status.textContent = "正在压缩照片……";
      Promise.all(chosen.map(shrink)).then(function (files) {
        var transfer = new DataTransfer();
        files.forEach(function (f) { transfer.items.add(f); });
        input.files = transfer.files;
        var total = files.reduce(function (sum, f) { return sum + f.size; }, 0);
        status.textContent = "已选 " + files.length + " 张，共 " + (total < 1024 * 1024 ? Math.ceil(total / 1024) + " KB"
          : (total / 1024 / 1024).toFixed(1) + " MB");
      }).finally(function () {
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
      });
    });
  });
})();
