// The citizen portal: while the request is typed, the 知识库 answers that fit are shown (智能问答), and the
// published cases most like it (办件公开), so that a question needs no case (not beside a suggestion to a 征集主题:
// it asks nothing). Text is only ever set with textContent, never parsed as markup.
(function () {
  "use strict";
  var content = document.getElementById("content");
  var box = document.getElementById("answers");
  var list = document.getElementById("answer-list");
  var alarm = document.getElementById("emergency");
  var timer = null;
  if (!content) { return; }

  function el(tag, text) { var e = document.createElement(tag); e.textContent = text; return e; }

  function show(items) {
    if (!box) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (a) {
      var li = document.createElement("li");
      li.appendChild(el("strong", a.title));
      li.appendChild(el("p", a.answer + (a.source ? "（来源：" + a.source + "）" : "")));
      list.appendChild(li);
    });
    box.hidden = items.length === 0;
  }

  // 已公开的类似办件: what units answered others who asked much the same (办件公开, masked by the server)
  var similar = document.getElementById("similar");
  var similarList = document.getElementById("similar-list");
  function showSimilar(items) {
    if (!similar) { return; }
    while (similarList.firstChild) { similarList.removeChild(similarList.firstChild); }
    (items || []).forEach(function (c) {
      var li = document.createElement("li");
      li.appendChild(el("strong", c.title));
      li.appendChild(el("p", c.unit + "答复" + (c.answered_on ? "（" + c.answered_on + "）" : "") + "：" + c.reply));
      similarList.appendChild(li);
    });
    similar.hidden = !items || items.length === 0;
  }

  // 紧急提示: a text that reads as an emergency is told to call 119, 110 or 120 now (the web is not watched
  // like the phone line); the reason is the server's, set as text
  function warn(reason) {
    if (!alarm) { return; }
    document.getElementById("emergency-reason").textContent = reason ? "（" + reason + "）" : "";
    alarm.hidden = !reason;
  }

  function refresh() {
    var q = content.value.trim();
    if (q.length < 4) { show([]); showSimilar([]); warn(null); return; }
    fetch("/api/v1/public/answers?q=" + encodeURIComponent(q.slice(0, 2000)), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) { show(d.items); showSimilar(d.published); warn(d.emergency); } })
      .catch(function () { /* the answers are a help; the form works without them */ });
  }
  content.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 600); });
}());

// 使用当前位置: with the citizen's consent, the browser's position goes with the request, so that it reaches the
// 社区 or 街道 of the place without anyone reading a map (the server places it within the configured boundaries).
(function () {
  "use strict";
  var button = document.getElementById("locate");
  var said = document.getElementById("located");
  if (!button || !navigator.geolocation) { return; }  // no way to know where: the address says it
  button.parentNode.hidden = false;
  button.addEventListener("click", function () {
    said.textContent = "正在获取位置……";
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("lat").value = position.coords.latitude.toFixed(6);
      document.getElementById("lon").value = position.coords.longitude.toFixed(6);
      said.textContent = "已附上位置（精度约 " + Math.round(position.coords.accuracy) + " 米）";
    }, function () {
      said.textContent = "没有取得位置：请在地点中写明小区、楼号或路口";
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
}());
