// Money on the node: each Segmind remote node shows its estimated cost as its widgets and links stand
// (asked of the pack's server, the one place that prices), after a run what it cost, and after a refusal
// that nothing was sent. SegmindCredits shows the balance it read.
// Classic canvas (1.32.9, 1.58 classic): a badge above the title bar, drawn by the frontend's badge code.
// Nodes 2.0 (1.58, Vue nodes): the canvas draws no node and Vue reads node.badges only when it rebuilds
// the node's view, so the text goes into a pill of our own in the node's badge row, kept up to date here.
import { app } from "../../scripts/app.js";
import { api } from "../../scripts/api.js";
import { ROUTES, callPack } from "./lib/segmind_client.js";

const REMOTE_CATEGORY = "segmind/flux/remote";
const CREDITS_NODE = "SegmindCredits";
const WATCH_EVERY_MS = 250; // widget edits, links and loads are noticed by looking, in every frontend
const REFRESH_DELAY_MS = 150; // typing in a number box asks once, not per key
const PILL_ATTRIBUTE = "data-segmind-money";
const COLORS = { estimate: "#1d5a3a", paid: "#1d5a3a", failed: "#7a2b2b" };

const vueNodesOn = () => !!globalThis.LiteGraph?.vueNodesMode;

class MoneyBadge {
  constructor(node) {
    this.node = node;
    this.height = 20;
  }

  get text() {  // empty in Nodes 2.0: the pill shows it there, and Vue would show a stale copy
    return vueNodesOn() ? "" : this.node.segmindMoney?.text ?? "";
  }

  getWidth(ctx) {
    if (!this.text) return 0;
    ctx.save();
    ctx.font = "12px sans-serif";
    const width = ctx.measureText(this.text).width + 12;
    ctx.restore();
    return width;
  }

  draw(ctx, x, y) {
    if (!this.text) return;
    const width = this.getWidth(ctx);
    ctx.save();
    ctx.fillStyle = COLORS[this.node.segmindMoney?.kind] ?? COLORS.estimate;
    ctx.beginPath();
    ctx.roundRect ? ctx.roundRect(x, y, width, this.height, 5) : ctx.rect(x, y, width, this.height);
    ctx.fill();
    ctx.fillStyle = "#ffffff";
    ctx.font = "12px sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillText(this.text, x + 6, y + this.height / 2);
    ctx.restore();
  }
}

// The node's own inputs only (frontends add widgets of their own); a linked input is sent as a link,
// which the server counts at its most expensive value.
function inputValues(node) {
  const values = {};
  for (const widget of node.widgets ?? []) {
    if (node.segmindInputs.has(widget.name)) values[widget.name] = widget.value;
  }
  for (const input of node.inputs ?? []) {
    const name = input.widget?.name ?? input.name;
    if (node.segmindInputs.has(name) && input.link != null) {
      const link = node.graph?.links?.get?.(input.link) ?? node.graph?.links?.[input.link];
      values[name] = [String(link?.origin_id ?? "?"), Number(link?.origin_slot ?? 0)];
    }
  }
  return values;
}

function showMoney(node, money) {
  node.segmindMoney = money;
  node.segmindSignature = JSON.stringify(inputValues(node)); // an estimate asked before this stays unshown
  clearTimeout(node.segmindTimer);
  node.setDirtyCanvas?.(true, true);
  syncPill(node);
}

async function refreshEstimate(node, signature) {
  const askedAt = performance.now();
  let money;
  try {
    const answer = await callPack(ROUTES.estimate, { node_type: node.comfyClass, inputs: inputValues(node) });
    money = { text: answer.text, kind: "estimate", usd: answer.usd };
  } catch (error) {
    money = error.answer ? { text: "cost: see settings", kind: "failed", error: error.message } : null;
  }
  // The inputs changed again meanwhile, or a run finished: its cost stays until the next change.
  if (node.segmindSignature !== signature || node.segmindRunAt > askedAt || !money) return;
  showMoney(node, money);
}

function watchInputs(node) {
  const signature = JSON.stringify(inputValues(node));
  if (signature === node.segmindSignature) return;
  node.segmindSignature = signature;
  clearTimeout(node.segmindTimer);
  node.segmindTimer = setTimeout(() => refreshEstimate(node, signature), REFRESH_DELAY_MS);
}

// Nodes 2.0: the node's DOM box; the pill sits in its badge row (beside the pack's name), else at its end.
function syncPill(node) {
  if (!vueNodesOn()) return;
  const box = document.querySelector(`[data-node-id="${node.id}"]`);
  if (!box) return;
  let pill = box.querySelector(`[${PILL_ATTRIBUTE}]`);
  const text = node.segmindMoney?.text ?? "";
  if (!pill) {
    if (!text) return;
    pill = document.createElement("span");
    pill.setAttribute(PILL_ATTRIBUTE, "");
    Object.assign(pill.style, {
      display: "inline-flex", alignItems: "center", borderRadius: "9999px", padding: "1px 8px",
      fontSize: "12px", lineHeight: "18px", color: "#fff", whiteSpace: "nowrap", marginLeft: "4px",
    });
    const sourcePill = [...box.querySelectorAll("div")].find((el) => el.children.length === 0
      && el.textContent.trim() === node.constructor.nodeData?.python_module?.split(".").pop());
    const row = sourcePill?.parentElement?.parentElement ?? box.querySelector("[data-testid^=node-body]") ?? box;
    row.appendChild(pill);
  }
  if (pill.textContent !== text) pill.textContent = text;
  pill.style.background = COLORS[node.segmindMoney?.kind] ?? COLORS.estimate;
  pill.style.display = text ? "inline-flex" : "none";
}

function remoteNodes() {
  return (app.graph?.nodes ?? app.graph?._nodes ?? []).filter((node) => node.segmindInputs);
}

function watchAll() {
  for (const node of remoteNodes()) {
    if (!node.segmindIsCredits) watchInputs(node);
    syncPill(node);
  }
}

function chain(prototype, method, extra) {
  const original = prototype[method];
  prototype[method] = function (...args) {
    const result = original?.apply(this, args);
    extra.apply(this, args);
    return result;
  };
}

// A refused or failed run reaches no onExecuted: the error event names the node.
function showFailure({ detail }) {
  const node = remoteNodes().find((n) => String(n.id) === String(detail?.node_id));
  if (!node || node.segmindIsCredits) return;
  const message = String(detail?.exception_message ?? "");
  const refused = /^Segmind (spend cap|balance check)/.test(message);
  node.segmindRunAt = performance.now();
  showMoney(node, { text: refused ? "refused · nothing sent" : "failed", kind: "failed", error: message });
}

app.registerExtension({
  name: "segmind.flux.money",
  setup() {
    setInterval(watchAll, WATCH_EVERY_MS);
    api.addEventListener("execution_error", showFailure);
  },
  async beforeRegisterNodeDef(nodeType, nodeData) {
    if (nodeData.category !== REMOTE_CATEGORY) return;
    const isCredits = nodeData.name === CREDITS_NODE;
    const inputs = new Set(Object.keys({ ...nodeData.input?.required, ...nodeData.input?.optional }));
    chain(nodeType.prototype, "onNodeCreated", function () {
      this.segmindInputs = inputs;
      this.segmindIsCredits = isCredits;
      this.badges = [...(this.badges ?? []), () => new MoneyBadge(this)];
    });
    chain(nodeType.prototype, "onExecuted", function (message) {
      this.segmindRunAt = performance.now();
      if (isCredits && message?.segmind_balance?.[0]) {
        showMoney(this, { text: message.segmind_balance[0].text, kind: "paid" });
      } else if (message?.segmind_cost?.[0]) {
        const summary = message.segmind_cost[0]; // its text is worded by the pack (nodes/paid_run.py)
        showMoney(this, { text: summary.text, kind: summary.failed ? "failed" : "paid" });
      }
    });
  },
});
