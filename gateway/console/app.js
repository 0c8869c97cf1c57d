// The officers' console: read-only views of the audit log and of operations. The access
// token lives in this page's memory only (never in storage); every figure comes from /v1.
"use strict";
const state = { token: null, scopes: [], cursor: 0, filters: {}, backlog: [], timer: null };
const $ = (id) => document.getElementById(id);

async function api(path) {
  const reply = await fetch(path, { headers: { Authorization: "Bearer " + state.token } });
  if (reply.status === 401) { logout("session expired: log in again"); throw new Error("unauthorized"); }
  const body = await reply.json();
  if (!reply.ok) throw new Error(body.detail || body.title || reply.status);
  return body;
}

async function login(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  const form = new URLSearchParams({ grant_type: "client_credentials",
    client_id: $("client-id").value, client_secret: $("client-secret").value });
  const reply = await fetch("/oauth/token", { method: "POST", body: form });
  const body = await reply.json().catch(() => ({}));
  if (!reply.ok) { $("login-error").textContent = body.detail || "login refused"; return; }
  const scopes = (body.scope || "").split(" ");
  if (!scopes.includes("audit.read")) { $("login-error").textContent = "this client lacks the audit.read scope"; return; }
  state.token = body.access_token;
  state.scopes = scopes;
  $("client-secret").value = "";
  $("who-client").textContent = $("client-id").value + " (" + body.scope + ")";
  $("who").hidden = false;
  $("login-view").hidden = true;
  $("main-view").hidden = false;
  await loadEntries(true);
}

function logout(message) {
  state.token = null;
  clearInterval(state.timer);
  $("main-view").hidden = true;
  $("who").hidden = true;
  $("login-view").hidden = false;
  $("login-error").textContent = typeof message === "string" ? message : "";
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (className) td.className = className;
  row.appendChild(td);
}

function signatureText(sig) {
  if (!sig || !sig.scheme) return "none";
  const verdict = sig.verified === true ? "verified" : sig.verified === false ? "FAILED" : "not checked";
  return sig.scheme + " " + verdict;
}

async function loadEntries(reset) {
  if (reset) { state.cursor = 0; $("entries").tBodies[0].replaceChildren(); }
  const params = new URLSearchParams({ after: state.cursor, limit: 100 });
  for (const [k, v] of Object.entries(state.filters)) if (v) params.set(k, v);
  const page = await api("/v1/audit/entries?" + params);
  const body = $("entries").tBodies[0];
  for (const entry of page.items) {
    const row = document.createElement("tr");
    row.dataset.seq = entry.seq;
    cell(row, entry.seq);
    cell(row, entry.at.replace("T", " ").slice(0, 23));
    cell(row, entry.direction === "outbound" ? "→" : "←");
    cell(row, entry.peer);
    cell(row, entry.operation);
    cell(row, entry.caller);
    cell(row, entry.outcome, entry.outcome === "ok" ? "ok" : "bad");
    cell(row, signatureText(entry.signature), entry.signature && entry.signature.verified === false ? "bad" : "");
    row.addEventListener("click", () => openEntry(entry.seq));
    body.appendChild(row);
  }
  if (page.items.length) state.cursor = page.items[page.items.length - 1].seq;
  $("more").hidden = !page.next;
  $("entries-status").textContent = `${body.rows.length} shown; the log holds ${page.size} sealed entries`;
}

function showBody(pre, label, body) {
  label.textContent = body.state + (body.digest_matches === false && body.state === "exact" ? " — DOES NOT MATCH ITS DIGEST" : "");
  label.className = body.digest_matches === false && body.state === "exact" ? "bad" : "";
  pre.textContent = body.content !== undefined ? (body.encoding === "base64" ? "(base64) " : "") + body.content
    : `(${body.state}; SHA-256 ${body.digest || "none"})`;
}

async function openEntry(seq) {
  const detail = $("detail");
  detail.hidden = false;
  $("d-seq").textContent = seq;
  const status = $("proof-status"), cpStatus = $("checkpoint-status");
  status.className = "pending"; status.textContent = "checking inclusion proof…";
  cpStatus.className = "pending"; cpStatus.textContent = "";
  const data = await api("/v1/audit/entries/" + seq);
  const e = data.entry;
  const fields = $("d-fields");
  fields.replaceChildren();
  const rows = [["time", e.at], ["direction", e.direction], ["peer", e.peer], ["operation", e.operation],
    ["request id", e.request_id], ["caller", e.caller], ["officer", e.officer_id], ["purpose", e.purpose],
    ["outcome", e.outcome], ["HTTP status", e.http_status], ["duration (ms)", data.duration_ms],
    ["signature", signatureText(e.signature) + (e.signature.key_id ? " (key " + e.signature.key_id + ")" : "")],
    ["upstream reference", e.upstream_ref], ["request SHA-256", e.request_digest],
    ["response SHA-256", e.response_digest], ["bodies stored", data.body_protection],
    ["headers", data.headers ? JSON.stringify(data.headers) : "not stored"], ["leaf hash", data.leaf_hash]];
  for (const [name, value] of rows) {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = name; dd.textContent = value === null || value === undefined ? "—" : String(value);
    fields.append(dt, dd);
  }
  showBody($("d-request"), $("d-req-state"), data.request_body);
  showBody($("d-response"), $("d-resp-state"), data.response_body);
  $("d-canonical").textContent = data.canonical + "\nleaf hash " + data.leaf_hash;
  detail.scrollIntoView();
  await checkProof(seq, data, status, cpStatus);
}

async function checkProof(seq, data, status, cpStatus) {
  let checkpoint;
  try {
    checkpoint = await api("/v1/audit/checkpoints/latest");
  } catch (err) {
    status.className = "pending"; status.textContent = "no signed checkpoint yet: nothing to prove against";
    return;
  }
  if (seq > checkpoint.size) {
    status.className = "pending";
    status.textContent = `not yet covered by a checkpoint (latest: size ${checkpoint.size})`;
    return;
  }
  const proof = await api(`/v1/audit/entries/${seq}/proof?size=${checkpoint.size}`);
  $("d-proof").textContent = `tree size ${proof.tree_size}, leaf index ${proof.leaf_index}\n` + proof.proof.join("\n");
  // Everything below is recomputed here: the leaf from the canonical bytes, the root from the path.
  const leaf = await LT.leafHash(data.canonical);
  const leafOk = LT.hex(leaf) === data.leaf_hash && LT.hex(leaf) === proof.leaf_hash;
  const included = await LT.verifyInclusion(seq - 1, checkpoint.size, leaf,
    proof.proof.map(LT.unhex), LT.unhex(checkpoint.root));
  if (leafOk && included) {
    status.className = "ok";
    status.textContent = `Inclusion proof verified in this browser: entry ${seq} is in the tree of size ` +
      `${checkpoint.size} with root ${checkpoint.root.slice(0, 16)}…`;
  } else {
    status.className = "bad";
    status.textContent = leafOk ? `Inclusion proof FAILED against checkpoint size ${checkpoint.size}`
      : "Leaf hash FAILED: the entry's canonical bytes do not hash to its leaf (entry altered)";
  }
  const certs = await api("/v1/audit/certificates");
  const key = certs.items.find((k) => k.purpose === "audit" && k.kid === checkpoint.key_id);
  if (!key) { cpStatus.className = "bad"; cpStatus.textContent = `checkpoint signed by unknown key ${checkpoint.key_id}`; return; }
  const verdict = await LT.verifyCheckpointSignature(checkpoint, key);
  cpStatus.className = verdict === "verified" ? "ok" : verdict === "invalid" ? "bad" : "pending";
  cpStatus.textContent = `Checkpoint signature ${verdict} (key ${key.kid}, ${key.status}${key.retired_at ? ", retired " + key.retired_at : ""})`;
}

async function loadCheckpoints() {
  const list = await api("/v1/audit/checkpoints?limit=100");
  const body = $("checkpoints").tBodies[0];
  body.replaceChildren();
  for (const cp of list.items) {
    const row = document.createElement("tr");
    cell(row, cp.size); cell(row, cp.at.replace("T", " ").slice(0, 23));
    cell(row, cp.root.slice(0, 24) + "…"); cell(row, cp.key_id); cell(row, cp.signature.slice(0, 24) + "…");
    body.appendChild(row);
  }
}

async function loadOperations() {
  const admin = state.scopes.includes("admin");
  $("sync-panel").hidden = !admin;
  $("sync-hidden").hidden = admin;
  if (admin) {
    const sync = await api("/v1/sync/status");
    const figures = $("sync-figures");
    figures.replaceChildren();
    for (const [label, value] of [["backlog", sync.backlog], ["oldest pending (s)", sync.oldest_pending_age_seconds],
      ["dead letters", sync.dead_letters], ["delivered", sync.delivered_total]]) {
      const box = document.createElement("div");
      box.className = "figure";
      const b = document.createElement("b");
      b.textContent = value;
      box.append(b, label);
      figures.appendChild(box);
    }
    const circuits = $("circuits");
    circuits.replaceChildren("circuits: ");
    for (const [name, st] of Object.entries(sync.circuits || {})) {
      const badge = document.createElement("span");
      badge.className = "badge " + st;
      badge.textContent = name + ": " + st;
      circuits.appendChild(badge);
    }
    state.backlog.push({ t: Date.now(), value: sync.backlog });
    Charts.line($("backlog-chart"), state.backlog.slice(-120));
  }
  const activity = await api("/v1/audit/activity?hours=24");
  Charts.stackedBars($("exchange-chart"),
    activity.exchanges.map((r) => ({ hour: r.hour, series: r.outcome, count: r.count })), ["ok", "error"]);
  Charts.stackedBars($("payment-chart"),
    activity.payments.map((r) => ({ hour: r.hour, series: r.status, count: r.count })),
    ["paid", "pending", "failed", "expired"]);
}

function showTab(name) {
  for (const button of document.querySelectorAll("nav button")) button.classList.toggle("active", button.dataset.tab === name);
  for (const tab of document.querySelectorAll(".tab")) tab.hidden = tab.id !== "tab-" + name;
  clearInterval(state.timer);
  const load = { exchanges: () => loadEntries(true), checkpoints: loadCheckpoints, operations: loadOperations }[name];
  const run = () => load().catch((err) => { $("entries-status").textContent = "error: " + err.message; });
  run();
  if (name === "operations") state.timer = setInterval(run, 10000);
}

$("login-form").addEventListener("submit", (event) => login(event).catch((err) => { $("login-error").textContent = err.message; }));
$("logout").addEventListener("click", () => logout());
$("more").addEventListener("click", () => loadEntries(false));
$("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  state.filters = { peer: $("f-peer").value, operation: $("f-operation").value, request_id: $("f-request-id").value };
  loadEntries(true);
});
for (const button of document.querySelectorAll("nav button")) button.addEventListener("click", () => showTab(button.dataset.tab));
