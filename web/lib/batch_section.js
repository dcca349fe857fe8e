// The Segmind panel's Batch section: the graph as it stands in the editor, once per row of a CSV or JSON
// Lines file (or per prompt pasted, one a line, for a chosen remote node), run inside this ComfyUI by the
// pack's batch routes (routes/batch.py): estimate first, then start, watch, stop, resume and
// download the results. Closing the browser does not stop a batch. No extension is registered here.
import { app } from "../../../scripts/app.js";
import { api } from "../../../scripts/api.js";
import { ROUTES, callPack, escapeHtml } from "./segmind_client.js";

const POLL_MS = 1500;
const THUMBNAILS = 12;
const LIVE = ["queued", "running", "stopping"];

function remoteNodes() {
  return (app.graph.nodes || app.graph._nodes)
    .filter((node) => node.type?.startsWith("Segmind") && node.widgets?.some((w) => w.name === "prompt"));
}

function batchRow(batch, detail) {
  const left = batch.seconds_left != null ? ` · ~${Math.ceil(batch.seconds_left)} s left` : "";
  const share = batch.rows_total ? (batch.rows_done + batch.rows_failed) / batch.rows_total : 0;
  const action = LIVE.includes(batch.state) && batch.state !== "stopping"
    ? `<button type="button" data-batch-stop="${escapeHtml(batch.id)}">stop</button>`
    : batch.state === "stopped" ? `<button type="button" data-batch-resume="${escapeHtml(batch.id)}">resume</button>` : "";
  const images = (detail?.rows ?? []).flatMap((row) => row.images ?? []).slice(-THUMBNAILS);
  return `<div data-batch="${escapeHtml(batch.id)}" data-state="${escapeHtml(batch.state)}"
      data-done="${batch.rows_done}" style="margin:6px 0">
    <div><b>${escapeHtml(batch.state)}</b> · ${batch.rows_done}/${batch.rows_total} rows
      ${batch.rows_failed ? `· <span class="error">${batch.rows_failed} failed</span>` : ""}
      · spent ${escapeHtml(batch.spent_text)} of ~${escapeHtml(batch.estimate_text)}${left}</div>
    <div class="bar"><div style="width:${(share * 100).toFixed(1)}%"></div></div>
    <div class="rid">${escapeHtml(batch.id)}</div>
    ${batch.error ? `<div class="error">${escapeHtml(batch.error)}</div>` : ""}
    <div style="display:flex;gap:6px;align-items:center">${action}
      <a data-batch-results href="${api.apiURL(`${ROUTES.batches}/${batch.id}/results.csv`)}"
         download="segmind-batch-${escapeHtml(batch.id)}.csv">results.csv</a></div>
    <div style="display:flex;gap:4px;flex-wrap:wrap">${images.map((url) =>
      `<img class="thumb" alt="" src="${api.apiURL(url)}">`).join("")}</div></div>`;
}

export class BatchSection {
  constructor() {
    this.element = null;
    this.timer = null;
  }

  mount(element) {
    this.element = element;
    element.innerHTML = `<h3>Batch</h3>
      <div class="muted">The graph as it stands, once per row, run in this ComfyUI (closing the browser does
        not stop it). Rows: a CSV whose header names NODE.input (e.g. 9.prompt), or JSON Lines.</div>
      <input type="file" accept=".csv,.jsonl,.json,.txt" data-role="batch-file">
      <div class="muted">or prompts, one a line, for <select data-role="batch-node"></select></div>
      <textarea data-role="batch-prompts" rows="3" style="width:100%;box-sizing:border-box"></textarea>
      <div style="display:flex;gap:8px;flex-wrap:wrap;align-items:center">
        <label>rows a prompt <input type="number" min="1" max="32" value="8" data-role="batch-parallel"
          style="width:4em"></label>
        <label>max spend $ <input type="number" min="0" step="0.01" data-role="batch-max" style="width:5em"></label>
        <button type="button" data-role="batch-estimate">Estimate</button>
        <button type="button" data-role="batch-start">Start</button></div>
      <div data-role="batch-verdict"></div>
      <div data-role="batch-list"></div>`;
    element.querySelector("[data-role=batch-node]").addEventListener("focus", () => this.listNodes());
    element.querySelector("[data-role=batch-estimate]").addEventListener("click", () => this.submit(true));
    element.querySelector("[data-role=batch-start]").addEventListener("click", () => this.submit(false));
    element.addEventListener("click", (event) => {
      const stop = event.target.closest("[data-batch-stop]")?.getAttribute("data-batch-stop");
      const resume = event.target.closest("[data-batch-resume]")?.getAttribute("data-batch-resume");
      if (stop || resume) this.act(stop ?? resume, stop ? "stop" : "resume");
    });
    this.listNodes();
    this.refresh();
  }

  listNodes() {
    const select = this.element.querySelector("[data-role=batch-node]");
    // The remote node selected on the canvas, else the one chosen before.
    const selected = Object.values(app.canvas?.selected_nodes ?? {}).find((node) => remoteNodes().includes(node));
    const chosen = selected ? String(selected.id) : select.value;
    select.innerHTML = remoteNodes().map((node) =>
      `<option value="${node.id}">#${node.id} ${escapeHtml(node.title)}</option>`).join("");
    if (chosen) select.value = chosen;
    if (select.selectedIndex < 0) select.selectedIndex = 0;  // the node chosen before is gone: the first
  }

  async rows() {
    const file = this.element.querySelector("[data-role=batch-file]").files[0];
    if (file) return { rows: await file.text(), format: /\.csv$/i.test(file.name) ? "csv" : "jsonl" };
    this.listNodes();
    const node = this.element.querySelector("[data-role=batch-node]").value;
    if (!node) throw new Error("The graph has no Segmind remote node with a prompt: add one, or choose a rows file.");
    const prompts = this.element.querySelector("[data-role=batch-prompts]").value
      .split("\n").map((line) => line.trim()).filter(Boolean);
    return { rows: prompts.map((text) => JSON.stringify({ [`${node}.prompt`]: text })).join("\n"), format: "jsonl" };
  }

  async submit(dryRun) {
    const verdict = this.element.querySelector("[data-role=batch-verdict]");
    verdict.setAttribute("data-state", "asking");
    try {
      const { output, workflow } = await app.graphToPrompt();
      const max = this.element.querySelector("[data-role=batch-max]").value;
      const answer = await callPack(ROUTES.batches, {
        prompt: output, workflow, ...(await this.rows()), dry_run: dryRun,
        parallel: Number(this.element.querySelector("[data-role=batch-parallel]").value),
        max_spend: max === "" ? null : Number(max),
      });
      verdict.innerHTML = `<div data-role="batch-estimate-text">${answer.rows} rows · estimate
        ${escapeHtml(answer.estimate_text)} (${answer.cached_rows} in the result cache or free) ·
        ${answer.refused ? `<span class="error">${escapeHtml(answer.verdict)}</span>` : "within the caps"}</div>`;
      if (!dryRun) this.refresh();
    } catch (error) {
      const problems = error.answer?.problems ?? [];
      verdict.innerHTML = `<div class="error" data-role="batch-error">${escapeHtml(error.message)}</div>
        ${problems.map((p) => `<div class="error">${escapeHtml(p)}</div>`).join("")}`;
    }
    verdict.setAttribute("data-state", "done");
  }

  async act(batchId, action) {
    try {
      await callPack(`${ROUTES.batches}/${batchId}/${action}`, {});
    } catch (error) {
      this.element.querySelector("[data-role=batch-verdict]").innerHTML =
        `<div class="error" data-role="batch-error">${escapeHtml(error.message)}</div>`;
    }
    this.refresh();
  }

  async refresh() {
    clearTimeout(this.timer);
    if (!this.element?.isConnected) return;
    try {
      const { batches } = await callPack(ROUTES.batches);
      const latest = batches[0] ? await callPack(`${ROUTES.batches}/${batches[0].id}`) : null;
      this.element.querySelector("[data-role=batch-list]").innerHTML =
        batches.slice(0, 5).map((batch, i) => batchRow(batch, i === 0 ? latest : null)).join("");
      if (batches.some((batch) => LIVE.includes(batch.state))) this.timer = setTimeout(() => this.refresh(), POLL_MS);
    } catch (error) {
      this.element.querySelector("[data-role=batch-list]").innerHTML =
        `<div class="error">${escapeHtml(error.message)}</div>`;
    }
  }
}
