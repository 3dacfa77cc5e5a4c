// The visavis call page: camera + mic up, avatar video + agent voice down, captions from the
// "events" data channel. Plain browser APIs, no build step.
"use strict";

const conversationId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop());
// The join token in this page's link admits it to this one conversation (and nothing else).
const joinToken = new URLSearchParams(location.search).get("t") || "";
const api = `/v1/conversations/${encodeURIComponent(conversationId)}`;
const withToken = (path) => `${path}?t=${encodeURIComponent(joinToken)}`;
const $ = (id) => document.getElementById(id);
let pc = null;
let localStream = null;
let ended = false;

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function caption(role, text) {
  const line = document.createElement("p");
  line.className = role;
  line.textContent = `${role === "user" ? "You" : "Agent"}: ${text}`;
  $("captions").appendChild(line);
  // Keep the last few lines only: these are captions, not the transcript (GET has that).
  while ($("captions").children.length > 4) $("captions").firstChild.remove();
}

function onEvent(message) {
  let event;
  try { event = JSON.parse(message.data); } catch { return; }
  const p = event.properties || {};
  if (event.event_type === "conversation.utterance" && p.speech) caption(p.role, p.speech);
  else if (event.event_type === "conversation.replica.started_speaking") setStatus("Agent speaking…");
  else if (event.event_type === "conversation.user.started_speaking") setStatus("Listening…");
  else if (event.event_type === "conversation.ended") finish(`Call ended (${p.reason}).`);
}

async function start() {
  $("start").disabled = true;
  setStatus("Asking for camera and microphone…");
  try {
    localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  } catch (err) {
    $("start").disabled = false;
    const denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
    setStatus(denied
      ? "Camera/microphone permission was denied. Allow them in the browser's address bar, then press Join call again."
      : `Could not open camera/microphone (${err.name || err}). Check that one is connected and not in use.`, true);
    return;
  }
  $("self").srcObject = localStream;
  pc = new RTCPeerConnection({ iceServers: iceServers() });
  for (const track of localStream.getTracks()) pc.addTrack(track, localStream);
  // The data channel must exist before the offer so that the answer negotiates SCTP.
  const events = pc.createDataChannel("events");
  events.onmessage = onEvent;
  const remote = new MediaStream();
  $("agent").srcObject = remote;
  pc.ontrack = (e) => { remote.addTrack(e.track); $("agent").play().catch(() => {}); };
  pc.onconnectionstatechange = () => {
    const s = pc.connectionState;
    if (s === "connected") { setStatus("Connected."); $("mute").disabled = false; $("end").disabled = false; }
    else if (s === "failed") finish("The connection failed (network or firewall). Reload the page to try again.", true);
    else if (s === "disconnected") setStatus("Connection lost, trying to recover…", true);
  };
  setStatus("Connecting…");
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await iceGatheringDone(pc);
    const r = await fetch(withToken(`${api}/webrtc`), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sdp: pc.localDescription.sdp, type: "offer" }),
    });
    const body = await r.json();
    if (!r.ok) throw new Error(body.message || `server said ${r.status}`);
    await pc.setRemoteDescription(body);
  } catch (err) {
    finish(`Could not start the call: ${err.message || err}`, true);
  }
}

// The server's STUN/TURN servers (VISAVIS_ICE_SERVERS), which the page carries in a meta tag.
function iceServers() {
  const meta = document.querySelector('meta[name="visavis-ice-servers"]');
  try {
    return meta ? JSON.parse(meta.content) : [];
  } catch {
    return [];
  }
}

// The server does not take trickled candidates: send the offer once they are all in it.
function iceGatheringDone(peer) {
  if (peer.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => { if (peer.iceGatheringState === "complete") resolve(); };
    peer.addEventListener("icegatheringstatechange", check);
    setTimeout(resolve, 3000); // some browsers never reach "complete" without ICE servers
  });
}

function toggleMute() {
  if (!localStream) return;
  const track = localStream.getAudioTracks()[0];
  track.enabled = !track.enabled;
  $("mute").textContent = track.enabled ? "Mute" : "Unmute";
}

async function endCall() {
  $("end").disabled = true;
  try { await fetch(withToken(`${api}/end`), { method: "POST" }); } catch { /* the page closes anyway */ }
  finish("Call ended.");
}

function finish(text, isError = false) {
  if (ended) return;
  ended = true;
  setStatus(text, isError);
  if (pc) pc.close();
  if (localStream) localStream.getTracks().forEach((t) => t.stop());
  $("mute").disabled = true;
  $("end").disabled = true;
}

$("start").onclick = start;
$("mute").onclick = toggleMute;
$("end").onclick = endCall;
window.addEventListener("pagehide", () => { if (pc && !ended) navigator.sendBeacon(withToken(`${api}/end`)); });
