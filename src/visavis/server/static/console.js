// The visavis console: the conversations of one API key's tenant, with status, outcome,
// transcript and voice-to-voice latency per turn. Plain browser APIs, no build step.
// Everything the server sends is shown through textContent (transcripts are user speech).
"use strict";

const $ = (id) => document.getElementById(id);
const KEY_ITEM = "visavis.apiKey";
const POLL_MS = 3000;
const HOW_TO_GET_A_KEY =
  "Run `visavis keys create` and paste the key above, or open the console link printed by `visavis serve`.";
const NO_KEY = `This console needs an API key. ${HOW_TO_GET_A_KEY}`;
const BAD_KEY = `The server rejected this API key (unknown or revoked). ${HOW_TO_GET_A_KEY}`;
const OUTCOME_LABELS = { escalated: "escalated", follow_up_booked: "follow-up booked", completed: "completed" };

let apiKey = "";
let conversations = [];
let selectedId = null;
let shown = ""; // the JSON of the conversation whose detail is on screen
let timer = null;

class AuthError extends Error {}

// --- the key: from the link's #key=... fragment (never sent to the server), then this tab --------

function takeKeyFromFragment() {
  const key = new URLSearchParams(location.hash.slice(1)).get("key");
  if (!key) return;
  sessionStorage.setItem(KEY_ITEM, key);
  history.replaceState(null, "", location.pathname + location.search); // off the address bar
}

function useKey(key) {
  apiKey = key;
  $("key").placeholder = key ? "a key is in use in this tab" : "paste an API key";
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

function needKey(message) {
  useKey("");
  conversations = [];
  selectedId = null;
  renderList();
  renderDetail();
  $("new-call").disabled = true;
  setStatus(message, true);
  $("key").focus();
}

// --- API ------------------------------------------------------------------------------------

async function api(path, options = {}) {
  const headers = { "x-api-key": apiKey, "content-type": "application/json" };
  const r = await fetch(path, { ...options, headers });
  const body = await r.json().catch(() => ({}));
  if (r.status === 401) throw new AuthError(body.message || "unauthorized");
  if (!r.ok) throw new Error(body.message || `the server answered ${r.status}`);
  return body;
}

function setStatus(text, isError = false) {
  const status = $("status");
  if (status.textContent !== text) status.textContent = text; // no repeat announcements
  status.className = isError ? "error" : "";
}

function failed(err, doing) {
  if (err instanceof AuthError) needKey(BAD_KEY);
  else setStatus(`Could not ${doing}: ${err.message || err}`, true);
}

async function refresh() {
  clearTimeout(timer);
  timer = null;
  if (!apiKey) return needKey(NO_KEY);
  let list;
  try {
    list = await api("/v1/conversations");
  } catch (err) {
    failed(err, "load the conversations");
    if (!(err instanceof AuthError) && conversations.some(isActive)) timer = setTimeout(refresh, POLL_MS);
    return;
  }
  conversations = list.data;
  $("new-call").disabled = false;
  renderList();
  renderDetail();
  const active = conversations.filter(isActive).length;
  const count = `${list.total} conversation${list.total === 1 ? "" : "s"}`;
  setStatus(active ? `${count}, ${active} active (refreshing every 3 s).` : `${count}.`);
  clearTimeout(timer); // a Refresh press may have overlapped a poll: keep one timer
  timer = active ? setTimeout(refresh, POLL_MS) : null;
}

async function newCall() {
  $("new-call").disabled = true;
  try {
    const created = await api("/v1/conversations", { method: "POST", body: "{}" });
    $("new-url").href = created.conversation_url;
    $("new-url").textContent = created.conversation_url;
    $("new-link").hidden = false;
    selectedId = created.conversation_id;
    await refresh();
    setStatus(`Created ${created.conversation_id}: open its link to join the call.`);
  } catch (err) {
    failed(err, "create a conversation");
  } finally {
    $("new-call").disabled = !apiKey;
  }
}

// --- figures --------------------------------------------------------------------------------

const isActive = (c) => c.status === "active";
const userTurns = (c) => c.transcript.filter((line) => line.role === "user").length;

function median(values) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const ms = (value) => (value == null ? "—" : `${Math.round(value)} ms`);

function clock(seconds) {
  const m = Math.floor(seconds / 60);
  return `${m}:${(seconds - m * 60).toFixed(1).padStart(4, "0")}`;
}

/** "escalated", "follow_up_booked", "completed", "not completed" or null (no outcome yet). */
function headline(c) {
  const o = c.outcome;
  if (!o) return null;
  if (o.escalated) return "escalated";
  if (o.follow_up_booked) return "follow_up_booked";
  return (o.end_reason ?? c.end_reason) === "completed" ? "completed" : "not completed";
}

// --- rendering (DOM nodes and textContent only) ---------------------------------------------

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text != null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

const badge = (text, kind) => el("span", text, `badge ${kind}`);

function renderList() {
  const rows = conversations.map((c) => {
    const tr = el("tr");
    if (c.conversation_id === selectedId) tr.setAttribute("aria-current", "true");
    const open = el("button", c.conversation_id, "link");
    open.type = "button";
    open.setAttribute("aria-label", `Show conversation ${c.conversation_id}`);
    const status = el("td");
    status.append(badge(c.status, c.status));
    if (c.live) status.append(badge("live", "live"));
    const outcome = el("td");
    const head = headline(c);
    outcome.append(head ? badge(OUTCOME_LABELS[head] || head, head.replace(" ", "_")) : el("span", "—", "muted"));
    const first = el("td");
    first.append(open);
    tr.append(
      first,
      el("td", new Date(c.created_at).toLocaleString()),
      status,
      el("td", c.end_reason || "—"),
      outcome,
      el("td", userTurns(c), "num"),
      el("td", ms(median(c.latencies.map((l) => l.voice_to_voice_ms))), "num"),
    );
    tr.addEventListener("click", () => select(c.conversation_id, true));
    return tr;
  });
  $("conversations").tBodies[0].replaceChildren(...rows);
  $("empty").hidden = Boolean(rows.length) || !apiKey;
}

function renderDetail() {
  const c = conversations.find((x) => x.conversation_id === selectedId);
  $("detail").hidden = !c;
  if (!c) {
    shown = "";
    return;
  }
  const json = JSON.stringify(c);
  if (json === shown) return; // unchanged: keep the reader's place and selection
  shown = json;
  $("detail-title").textContent = c.conversation_name || `Conversation ${c.conversation_id}`;
  const ended = c.ended_at ? `ended ${new Date(c.ended_at).toLocaleString()} (${c.end_reason})` : "still active";
  $("detail-meta").textContent =
    `${c.conversation_id} · persona ${c.persona_id} · created ${new Date(c.created_at).toLocaleString()} · ${ended}`;

  const lines = c.transcript.map((line) => {
    const li = el("li", null, line.role);
    const text = el("span", line.speech);
    if (line.interrupted) text.append(el("span", "[interrupted]", "cut"));
    // What perception saw and heard during the user's turn (not part of the words).
    for (const note of [line.user_visual_analysis, line.user_audio_analysis]) {
      if (note) text.append(el("small", note, "perceived"));
    }
    li.append(
      el("span", `${clock(line.start)}–${clock(line.end)}`, "time"),
      el("span", line.role === "replica" ? "Agent" : "User", "role"),
      text,
    );
    return li;
  });
  if (!lines.length) lines.push(el("li", "No speech yet.", "muted"));
  $("transcript").replaceChildren(...lines);

  const rows = c.latencies.map((l) => {
    const tr = el("tr");
    tr.append(el("td", l.reply_id));
    for (const key of ["voice_to_voice_ms", "endpoint_ms", "asr_final_ms", "reply_ms", "tts_first_audio_ms"]) {
      tr.append(el("td", Math.round(l[key]), "num"));
    }
    return tr;
  });
  if (!rows.length) {
    rows.push(el("tr"));
    rows[0].append(Object.assign(el("td", "No measured turns yet.", "muted"), { colSpan: 6 }));
  }
  $("latencies").tBodies[0].replaceChildren(...rows);
  $("outcome").textContent = c.outcome
    ? JSON.stringify(c.outcome, null, 2)
    : "No outcome yet: it is written when the call ends.";
  const p = c.perception_analysis;
  $("perception").textContent = p
    ? [p.summary, ...(p.moments || []).map((m) => `${clock(m.t)}  ${m.cue.replaceAll("_", " ")}` +
        (m.duration ? ` (${m.duration.toFixed(1)} s)` : "")),
       ...(p.queries || []).map((q) => `${q.query} ${q.answer === null ? "(no rule)" : q.answer ? "Yes" : "No"}`)].join("\n")
    : "No perception report yet: it is written when the call ends.";
}

function select(id, focus) {
  selectedId = id;
  renderList();
  renderDetail();
  if (focus) $("detail-title").focus();
}

// --- wiring ---------------------------------------------------------------------------------

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = $("key").value.trim();
  $("key").value = "";
  useKey(key);
  refresh();
});
$("refresh").addEventListener("click", refresh);
$("new-call").addEventListener("click", newCall);
window.addEventListener("hashchange", () => {
  takeKeyFromFragment();
  useKey(sessionStorage.getItem(KEY_ITEM) || "");
  refresh();
});

takeKeyFromFragment();
useKey(sessionStorage.getItem(KEY_ITEM) || "");
refresh();
