// 新工单提醒: the open 承办箱, 派单台 or 督办台 asks every half minute which cases its lists of arriving work hold, and
// when new ones came shows how many (and how many emergencies) with a button to reload; it never reloads by itself
// (a form being filled in would be lost). The tab's title counts them too.
(function () {
  var box = document.getElementById("pulse");
  if (!box) { return; }
  var seen = {}, title = document.title, every = 30000;
  JSON.parse(box.getAttribute("data-keys")).forEach(function (key) { seen[key] = true; });
  var text = box.querySelector(".pulse-text");

  function show(message) {
    text.textContent = message;
    box.hidden = false;
  }

  function check() {
    fetch(box.getAttribute("data-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (response.status === 401) { show("登录已过期，请刷新页面重新登录。"); return "stop"; }
        return response.ok ? response.json() : "later";  // the server failed this once: ask again later
      })
      .then(function (data) {
        if (data === "stop") { return; }
        if (data === "later") { window.setTimeout(check, every * 2); return; }
        var fresh = data.keys.filter(function (key) { return !seen[key]; });
        var urgent = data.urgent.filter(function (key) { return !seen[key]; });
        if (fresh.length) {
          show("新到 " + fresh.length + " 件工单" + (urgent.length ? "（其中紧急 " + urgent.length + " 件）" : "") +
               "，刷新页面查看。");
          box.classList.toggle("urgent", urgent.length > 0);
          document.title = "(" + fresh.length + ") " + title;
        }
        window.setTimeout(check, every);
      })
      .catch(function () { window.setTimeout(check, every * 2); });  // the network or the server is away: later
  }

  box.querySelector("button").addEventListener("click", function () { window.location.reload(); });
  window.setTimeout(check, every);
})();
