// Script studio: sends the script and sample fields to /api/lint and shows the report.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  let timer = null;
  let lastRequest = 0;

  function fields() {
    const out = {};
    document.querySelectorAll("[data-field]").forEach((input) => { out[input.dataset.field] = input.value; });
    return out;
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderPreview(text, findings) {
    // Highlight finding spans in the rendered script (non-overlapping, first wins).
    const spans = findings.filter((f) => f.end > f.start).sort((a, b) => a.start - b.start);
    const preview = $("preview");
    preview.textContent = "";
    let at = 0;
    for (const f of spans) {
      if (f.start < at) continue;
      preview.append(document.createTextNode(text.slice(at, f.start)));
      const mark = el("mark", "sev-" + f.severity, text.slice(f.start, f.end));
      mark.title = f.rule + ": " + f.message;
      preview.append(mark);
      at = f.end;
    }
    preview.append(document.createTextNode(text.slice(at)));
  }

  function render(report) {
    $("error").hidden = true;
    $("score").textContent = report.score;
    $("duration").textContent = report.estimated_duration_s.toFixed(1) + " s";
    $("count").textContent = report.findings.length;
    const structure = $("structure");
    structure.textContent = "";
    for (const part of report.structure) {
      const item = el("li", "part part-" + (part.label || part.part || "other"));
      item.append(el("span", "tag", part.label || part.part || "other"));
      item.append(el("span", "text", part.text || ""));
      structure.append(item);
    }
    const list = $("findings");
    list.textContent = "";
    for (const f of report.findings) {
      const item = el("li", "finding sev-" + f.severity);
      item.append(el("code", "rule", f.rule));
      item.append(el("span", "message", f.message));
      if (f.fix) item.append(el("span", "fix", f.fix));
      list.append(item);
    }
    renderPreview(report.script || "", report.findings);
  }

  async function lint() {
    const request = ++lastRequest;
    const body = {
      text: $("script").value,
      fields: fields(),
      strategy: $("strategy").value,
      caller_id: $("caller_id").value || null,
    };
    const response = await fetch("/api/lint", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await response.json();
    if (request !== lastRequest) return;  // a newer request is on its way
    if (!response.ok) {
      $("error").hidden = false;
      $("error").textContent = data.message || "could not check the script";
      return;
    }
    render(data);
    document.body.dataset.linted = String(request);
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(lint, 250);
  }

  $("lint").addEventListener("click", lint);
  $("script").addEventListener("input", soon);
  document.querySelectorAll("[data-field], #strategy, #caller_id").forEach((n) => n.addEventListener("input", soon));
  lint();
})();
