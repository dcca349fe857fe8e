// Money on the node: each Segmind remote node shows its estimated cost as its widgets stand (asked of
// the pack's server route, the one place that prices), and after a run what it cost. SegmindCredits
// shows the balance it read. A badge above the title bar, drawn by the frontend's own badge code
// (ComfyUI frontend 1.32 and 1.58 both call a badge function and use getWidth/draw/height).
import { app } from "../../scripts/app.js";
import { api } from "../../scripts/api.js";

const REMOTE_CATEGORY = "segmind/flux/remote";
const CREDITS_NODE = "SegmindCredits";
const ESTIMATE_ROUTE = "/segmind-flux/estimate";
const REFRESH_DELAY_MS = 150; // typing in a number box asks once, not per key

class MoneyBadge {
  constructor(node) {
    this.node = node;
    this.height = 20;
  }

  get text() {
    return this.node.segmindMoney?.text ?? "";
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
    ctx.fillStyle = this.node.segmindMoney?.kind === "failed" ? "#7a2b2b" : "#1d5a3a";
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

// The node's own inputs only: frontends add widgets of their own (1.32 shows progress text as one).
function widgetValues(node) {
  const values = {};
  for (const widget of node.widgets ?? []) {
    if (node.segmindInputs.has(widget.name)) values[widget.name] = widget.value;
  }
  return values;
}

async function refreshEstimate(node, signature) {
  const askedAt = performance.now();
  try {
    const response = await api.fetchApi(ESTIMATE_ROUTE, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ node_type: node.comfyClass, inputs: widgetValues(node) }),
    });
    const answer = await response.json();
    // The widgets changed again meanwhile, or a run finished: its cost stays until the next change.
    if (node.segmindSignature !== signature || node.segmindRunAt > askedAt) return;
    node.segmindMoney = response.ok
      ? { text: answer.text, kind: "estimate", usd: answer.usd }
      : { text: "cost: see settings", kind: "failed", error: answer.error };
  } catch (error) {
    node.segmindMoney = { text: "", kind: "estimate" };
  }
  node.setDirtyCanvas?.(true, true);
}

// Widgets change in many ways (typing, arrows, loading a workflow, links): a change of their values
// seen at drawing time is the one signal every frontend gives.
function watchWidgets(node) {
  const signature = JSON.stringify(widgetValues(node));
  if (signature === node.segmindSignature) return;
  node.segmindSignature = signature;
  clearTimeout(node.segmindTimer);
  node.segmindTimer = setTimeout(() => refreshEstimate(node, signature), REFRESH_DELAY_MS);
}

function chain(prototype, method, extra) {
  const original = prototype[method];
  prototype[method] = function (...args) {
    const result = original?.apply(this, args);
    extra.apply(this, args);
    return result;
  };
}

app.registerExtension({
  name: "segmind.flux.money",
  async beforeRegisterNodeDef(nodeType, nodeData) {
    if (nodeData.category !== REMOTE_CATEGORY) return;
    const isCredits = nodeData.name === CREDITS_NODE;
    const inputs = new Set(Object.keys({ ...nodeData.input?.required, ...nodeData.input?.optional }));
    chain(nodeType.prototype, "onNodeCreated", function () {
      this.segmindInputs = inputs;
      this.badges = [...(this.badges ?? []), () => new MoneyBadge(this)];
    });
    chain(nodeType.prototype, "onExecuted", function (message) {
      this.segmindRunAt = performance.now();
      if (isCredits && message?.text?.[0]) {
        this.segmindMoney = { text: message.text[0].split(";")[0].replace("Segmind balance: ", ""), kind: "paid" };
      } else if (message?.segmind_cost?.[0]) {
        const summary = message.segmind_cost[0]; // its text is worded by the pack (nodes/paid_run.py)
        this.segmindMoney = { text: summary.text, kind: summary.failed ? "failed" : "paid" };
      }
      this.setDirtyCanvas?.(true, true);
    });
    if (!isCredits) {
      chain(nodeType.prototype, "onDrawForeground", function () {
        watchWidgets(this);
      });
    }
  },
});
