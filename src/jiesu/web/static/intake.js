// Live intake suggestions: category, urgency, responsible unit with its reason, recent cases of the same caller,
// and the 知识库 answers that fit (one click puts the answer in the form for 直接办结).
// User text is only ever set with textContent, never parsed as markup.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var content = document.getElementById("content");
  var division = document.getElementById("division");
  var category = document.getElementById("category");
  var phone = document.getElementById("phone");
  var address = document.getElementById("address");
  var unit = document.getElementById("unit");
  var urgency = document.getElementById("urgency");
  var key = document.getElementById("idempotency_key");
  var answer = document.getElementById("answer");
  var kind = document.getElementById("kind");
  var topic = document.getElementById("topic");  // 人民建议征集: the open topic a suggestion answers, if any
  var line = document.getElementById("line");  // 紧急热线联动: the emergency line the caller is put through to
  var linked = document.getElementById("emergency-link");
  var timer = null;
  var placed = null;  // the place last filled in from the text: filled once, so that the agent can change it
  if (key && !key.value) { key.value = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random(); }

  function el(tag, text) { var e = document.createElement(tag); if (text !== undefined) { e.textContent = text; } return e; }
  function clear(id) { var e = document.getElementById(id); while (e.firstChild) { e.removeChild(e.firstChild); } return e; }

  function render(data) {
    document.getElementById("suggest-empty").hidden = true;
    var urgent = clear("suggest-urgency");
    if (data.urgency.urgent) {
      urgent.appendChild(el("p", "⚠ 疑似紧急：" + data.urgency.reason)).className = "alarm";
      if (urgency.value === "normal") { urgency.value = "emergency"; }
      if (data.urgency.line) {  // the agent fills the line in once they have put the caller through: never by itself,
        // since a line chosen is recorded as told (通报紧急热线) with the dispatch
        var advice = urgent.appendChild(el("p", "危及生命财产安全的，请立即三方转接 " + data.urgency.line_label + "，再在左侧「紧急热线联动」登记 "));
        if (line) {
          var fill = el("button", "已转接，填入 " + data.urgency.line_label); fill.type = "button"; fill.id = "fill-line";
          fill.addEventListener("click", function () { line.value = data.urgency.line; line.focus(); });
          advice.appendChild(fill);
        }
      }
      if (linked) { linked.open = true; }
    }
    var sensitive = clear("suggest-sensitive");
    if (data.sensitivity.sensitive) {
      sensitive.appendChild(el("p", "⚑ 敏感诉求：" + data.sensitivity.reason + "（受理后列入督办台「敏感诉求」）")).className = "alarm";
    }
    var where = clear("suggest-place");
    if (data.place) {
      var named = el("li", "提到「" + data.place.matched + "」：" + data.place.name);
      var hasOption = Array.prototype.some.call(division.options, function (o) { return o.value === data.place.division; });
      if (hasOption && !division.value && placed !== data.place.division) {
        division.value = data.place.division; placed = data.place.division;
        named.appendChild(el("span", "（已填入所在社区/街道，可修改）")).className = "muted";
      }
      where.appendChild(named);
    } else if (division.value) {
      where.appendChild(el("li", "已选：" + division.options[division.selectedIndex].text));
    } else {
      where.appendChild(el("li", "未能从文本确定，请询问诉求人并选择所在社区/街道"));
    }
    var cats = clear("suggest-categories");
    data.categories.forEach(function (c) {
      var li = el("li", c.path + "（" + Math.round(c.confidence * 100) + "%）");
      var use = el("button", "采用"); use.type = "button";
      use.addEventListener("click", function () { category.value = c.code; refresh(); });
      li.appendChild(use); cats.appendChild(li);
    });
    if (!data.categories.length) { cats.appendChild(el("li", "没有把握的建议，请在左侧选择事项分类")); }
    var units = clear("suggest-units");
    var notes = clear("suggest-notes");
    if (!data.routing) { units.appendChild(el("li", "选定事项分类后显示")); }
    while (unit.options.length > 1) { unit.remove(1); }
    if (data.routing) {
      data.routing.leads.forEach(function (c, i) {
        units.appendChild(el("li", "主办：" + c.reason));
        var option = new Option(c.name + "（建议主办）", c.unit); unit.add(option); if (i === 0) { unit.value = c.unit; }
      });
      data.routing.co_handlers.forEach(function (c) { units.appendChild(el("li", "协办：" + c.reason)); });
      data.routing.notes.forEach(function (n) { notes.appendChild(el("li", n)); });
    }
    var similar = clear("suggest-similar");
    if (!data.similar.length) { similar.appendChild(el("li", "无")); }
    data.similar.forEach(function (r) {
      var li = el("li"); var a = el("a", r.ticket + " " + r.title + "（相似度 " + Math.round(r.score * 100) + "%）");
      a.href = "/cases/" + r.id; li.appendChild(a); similar.appendChild(li);
    });
    var answers = clear("suggest-knowledge");
    if (!data.knowledge.length) { answers.appendChild(el("li", "无")); }
    data.knowledge.forEach(function (k) {
      var li = el("li"); li.appendChild(el("strong", k.title + "（匹配 " + Math.round(k.score * 100) + "%）"));
      li.appendChild(el("p", k.answer + (k.source ? "（来源：" + k.source + "）" : "")));
      var use = el("button", "用此答复"); use.type = "button";
      use.addEventListener("click", function () { answer.value = k.answer; kind.value = "inquiry"; answer.focus(); });
      li.appendChild(use); answers.appendChild(li);
    });
    var repeats = clear("suggest-repeats");
    if (!data.repeats.length) { repeats.appendChild(el("li", "无")); }
    data.repeats.forEach(function (r) {
      var li = el("li"); var a = el("a", r.ticket + " " + r.title); a.href = "/cases/" + r.id; li.appendChild(a);
      li.appendChild(el("span", "（" + r.status_label + "）")); repeats.appendChild(li);
    });
  }

  function refresh() {
    if (!content.value.trim()) { return; }
    fetch("/api/v1/suggest", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ content: content.value, division: division.value || null,
                             category: category.value || null, requester_phone: phone.value || null,
                             address: address ? address.value.slice(0, 500) : "",
                             topic_id: topic && topic.value ? Number(topic.value) : null })
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (d) { if (d) { render(d); } })
      .catch(function () { /* suggestions are a help, not a requirement */ });
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 300); }
  [content, phone, address].forEach(function (e) { if (e) { e.addEventListener("input", later); } });
  [division, category, topic].forEach(function (e) { if (e) { e.addEventListener("change", refresh); } });
  if (topic && kind) {  // a suggestion to a topic is registered as a 建议 whatever the list says: say so at once
    topic.addEventListener("change", function () { if (topic.value) { kind.value = "suggestion"; } });
  }
  refresh();
}());
