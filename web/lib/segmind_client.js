// What the pack's editor files share: its server routes (routes/server.py), money wording, and a signal
// after every run. No extension is registered here.
import { api } from "../../../scripts/api.js";

export const ROUTES = {
  estimate: "/segmind-flux/estimate",
  config: "/segmind-flux/config",
  testKey: "/segmind-flux/test-key",
  spend: "/segmind-flux/spend",
  collect: "/segmind-flux/collect",
  collectReceipt: "/segmind-flux/collect-receipt",
  batches: "/segmind-flux/batches",
  thumbnail: "/segmind-flux/thumbnail",
  catalogue: "/segmind-flux/catalogue",
  catalogueRefresh: "/segmind-flux/catalogue/refresh",
};

// JSON in, JSON out; a refusal becomes an Error carrying the server's own words.
export async function callPack(route, body = undefined) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await api.fetchApi(route, options);
  let answer = {};
  try {
    answer = await response.json();
  } catch (error) {
    answer = { error: `HTTP ${response.status}` };
  }
  if (!response.ok) throw Object.assign(new Error(answer.error ?? `HTTP ${response.status}`), { answer });
  return answer;
}

// One callback list for "a run ended" (success, error or interruption), whatever the frontend.
export function onRunEnded(callback) {
  for (const event of ["execution_success", "execution_error", "execution_interrupted"]) {
    api.addEventListener(event, callback);
  }
  // 1.32.9 sends no execution_success: the queue running empty says the same.
  api.addEventListener("status", ({ detail }) => {
    if (detail?.exec_info?.queue_remaining === 0) callback();
  });
}

export function elementFrom(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content.firstElementChild;
}

export function escapeHtml(text) {
  const entities = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  return String(text ?? "").replace(/[&<>"']/g, (c) => entities[c]);
}
