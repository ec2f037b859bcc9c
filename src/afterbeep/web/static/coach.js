// Recording coach page: record with MediaRecorder (or pick a file), post it to /api/coach and
// draw the report. Clicking a timed item seeks the player to that moment of the take.
"use strict";

const $ = (id) => document.getElementById(id);
let take = null; // {blob, name}
let recorder = null;
let started = 0;
let ticker = null;

function setTake(blob, name) {
  take = { blob, name };
  $("player").src = URL.createObjectURL(blob);
  $("player").hidden = false;
  $("analyse").disabled = false;
  $("status").textContent = `Ready: ${name} (${Math.round(blob.size / 1024)} kB).`;
}

function seconds(s) {
  return s === null || s === undefined ? "" : `${s.toFixed(1)} s`;
}

function timed(text, at) {
  const item = document.createElement("li");
  if (at !== null && at !== undefined) {
    const stamp = document.createElement("button");
    stamp.type = "button";
    stamp.className = "stamp";
    stamp.textContent = seconds(at);
    stamp.addEventListener("click", () => {
      $("player").currentTime = at;
      $("player").play();
    });
    item.append(stamp, " ");
  }
  item.append(text);
  return item;
}

function render(report) {
  $("verdict").textContent = report.verdict;
  $("verdict").className = `big verdict-${report.verdict}`;
  $("speech").textContent = seconds(report.speech_duration_s);
  $("pace").textContent = report.words_per_minute ? `${Math.round(report.words_per_minute)} wpm` : "–";
  $("changes").replaceChildren(
    ...report.top_changes.map((f) => timed(`${f.message} ${f.advice}`, f.at_s)),
  );
  $("checks").replaceChildren(
    ...report.findings.map((f) => {
      const item = timed(`${f.check}: ${f.message}`, f.at_s);
      item.className = `finding ${f.verdict}`;
      return item;
    }),
  );
  $("transcript").replaceChildren(
    ...report.transcript.words.map((w) => {
      const word = document.createElement("span");
      word.textContent = `${w.word} `;
      word.title = seconds(w.start_s);
      word.addEventListener("click", () => {
        $("player").currentTime = w.start_s;
      });
      return word;
    }),
  );
}

async function analyse() {
  if (!take) return;
  const form = new FormData();
  form.append("take", take.blob, take.name);
  for (const name of ["script", "first_name", "rep_phone"]) {
    if ($(name).value.trim()) form.append(name, $(name).value);
  }
  $("error").hidden = true;
  $("analyse").disabled = true;
  $("status").textContent = "Listening to your take…";
  try {
    const response = await fetch("/api/coach", { method: "POST", body: form });
    const body = await response.json();
    if (!response.ok) throw new Error(body.message || response.statusText);
    render(body);
    $("status").textContent = "Done.";
  } catch (error) {
    $("error").textContent = error.message;
    $("error").hidden = false;
    $("status").textContent = "";
  } finally {
    $("analyse").disabled = false;
  }
}

async function record() {
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (error) {
    $("error").textContent = `No microphone: ${error.message}`;
    $("error").hidden = false;
    return;
  }
  const chunks = [];
  recorder = new MediaRecorder(stream);
  recorder.addEventListener("dataavailable", (event) => chunks.push(event.data));
  recorder.addEventListener("stop", () => {
    stream.getTracks().forEach((track) => track.stop());
    clearInterval(ticker);
    const type = recorder.mimeType || "audio/webm";
    const ext = type.includes("ogg") ? "ogg" : type.includes("mp4") ? "m4a" : "webm";
    setTake(new Blob(chunks, { type }), `take.${ext}`);
  });
  recorder.start();
  started = Date.now();
  ticker = setInterval(() => {
    const s = Math.floor((Date.now() - started) / 1000);
    $("clock").textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }, 250);
  $("record").disabled = true;
  $("stop").disabled = false;
  $("status").textContent = "Recording…";
}

$("record").addEventListener("click", record);
$("stop").addEventListener("click", () => {
  recorder.stop();
  $("record").disabled = false;
  $("stop").disabled = true;
});
$("file").addEventListener("change", (event) => {
  const file = event.target.files[0];
  if (file) setTake(file, file.name);
});
$("analyse").addEventListener("click", analyse);
