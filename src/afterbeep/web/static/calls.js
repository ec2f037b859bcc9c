// The /calls page: start a simulated session and show each call's outcome as it ends.
"use strict";
(function () {
  const start = document.getElementById("start");
  const state = document.getElementById("state");
  const rows = document.getElementById("rows");
  const summary = document.getElementById("summary");

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "–" : String(text);
    if (cls) td.className = cls;
    return td;
  }
  function ms(value) {
    return value === null || value === undefined ? null : Math.round(value) + " ms";
  }
  function render(run) {
    const results = {};
    for (const r of run.results) results[r.index] = r;
    rows.replaceChildren();
    run.calls.forEach(function (call, i) {
      const r = results[i];
      const tr = document.createElement("tr");
      tr.append(cell(i + 1), cell(call.corpus_id), cell(call.answered_by), cell(call.expected));
      if (!r) {
        tr.append(cell("on the line…", "pending"), cell(null), cell(null), cell(null));
      } else {
        const did = r.rep_dropped
          ? "connect → rep's drop"
          : r.taken_back_ms != null
            ? "connect → taken back → drop"
            : r.action;
        // Why a call was skipped or ended without a message (the engine's end reason).
        const why = r.end_reason;
        const said = why && ["skip", "none"].includes(r.action) ? ` (${why.replace(/_/g, " ")})` : "";
        const right = r.correct || r.right_with_rep;
        tr.append(
          cell(did + said + (right ? " ✓" : " ✗"), right ? "ok" : "bad"),
          cell(ms(r.message_latency_ms)),
          cell(ms(r.connect_delay_ms)),
          cell(ms(r.played_before_cue_ms)),
        );
      }
      rows.append(tr);
    });
    if (run.summary) {
      const s = run.summary;
      const lat = s.message_after_beep_ms;  // beep-less greetings wait 1.5 s of quiet
      const hum = s.human_connect_ms;
      const soon = s.people_to_rep_within_1s;
      summary.hidden = false;
      const rep = s.rep_drops ? ` (${s.right_with_rep_drops} with the rep's drops)` : "";
      summary.textContent =
        `${s.correct}/${s.calls} right actions${rep} · early starts ${s.early_starts} · ` +
        `message start after beep p50 ${lat.p50 ?? "–"} ms, p95 ${lat.p95 ?? "–"} ms · ` +
        `rep connected p95 ${hum.p95 ?? "–"} ms after the greeting · ` +
        `people with the rep within 1 s ${soon.within}/${soon.people} · ` +
        `abandoned ${s.abandoned} (people not with the rep within 2 s)`;
    }
  }
  // With a control token set on the server, the page asks for it and sends it as a bearer.
  function auth(headers) {
    const token = document.getElementById("token");
    if (token && token.value) headers["Authorization"] = `Bearer ${token.value}`;
    return headers;
  }
  async function poll(id) {
    const response = await fetch(`/calls/simulate/${id}`, {headers: auth({})});
    const run = await response.json();
    if (!response.ok) {
      state.textContent = run.detail || run.message || "could not follow the session";
      start.disabled = false;
      return;
    }
    state.textContent = run.state === "failed" ? `failed: ${run.error}` : run.state;
    render(run);
    if (run.state === "preparing" || run.state === "calling") {
      setTimeout(function () { poll(id); }, 1000);
    } else {
      start.disabled = false;
    }
  }
  start.addEventListener("click", async function () {
    start.disabled = true;
    summary.hidden = true;
    const calls = parseInt(document.getElementById("calls").value, 10) || 8;
    const repDrop = document.getElementById("rep-drop").checked ? 1500 : null;
    const response = await fetch("/calls/simulate", {
      method: "POST",
      headers: auth({"Content-Type": "application/json"}),
      body: JSON.stringify({calls: calls, rep_drop_after_ms: repDrop}),
    });
    const body = await response.json();
    if (!response.ok) {
      state.textContent = body.detail || body.message || "could not start";
      start.disabled = false;
      return;
    }
    poll(body.id);
  });
})();
