// The Segmind panel in the editor's sidebar: the balance, today's spend against the caps, spend per day
// (30 days) and per model, and the last 50 jobs with their thumbnails. A job submitted but never
// collected (a cancel, a crash) has "collect", which fetches its finished result (free; nothing is
// submitted again). Everything comes from GET /segmind-flux/spend, worded by the pack's server.
// The Catalogue line (Segmind's index, Refresh) is web/lib/catalogue_section.js, the Batch section
// web/lib/batch_section.js. "Collect from a saved image or video" reads the receipt a remote node left in a
// PNG (or an MP4: web/lib/mp4_tags.js) ComfyUI saved and collects its jobs again (free within Segmind's
// hour), into output/segmind-collected.
import { app } from "../../scripts/app.js";
import { api } from "../../scripts/api.js";
import { ROUTES, callPack, escapeHtml, onRunEnded } from "./lib/segmind_client.js";
import { pngText } from "./lib/png_text.js";
import { mp4Tag } from "./lib/mp4_tags.js";
import { BatchSection } from "./lib/batch_section.js";
import { CatalogueSection } from "./lib/catalogue_section.js";

const RECEIPT_CHUNK = "segmind";

const TAB_ID = "segmind-flux";
const CHART_HEIGHT = 48;
const BUTTON_STYLE = "padding:2px 8px;border-radius:6px;border:1px solid rgba(127,127,127,.5);"
  + "background:rgba(127,127,127,.15);color:inherit;cursor:pointer";
const STATE_COLORS = {
  paid: "#3fa36b", cached: "#6b8fbf", collected: "#6b8fbf", failed: "#d05a5a", refused: "#d08a3a",
  cancelled: "#b0a040", "not collected": "#b0a040",
};
const STYLE = `
.segmind-panel{padding:10px;font-size:13px;display:flex;flex-direction:column;gap:12px;overflow:auto;
  height:100%;box-sizing:border-box}
.segmind-panel h3{font-size:13px;margin:0 0 4px;font-weight:600}
.segmind-panel .muted{opacity:.7;font-size:12px}
.segmind-panel .bar{height:8px;border-radius:4px;background:rgba(127,127,127,.25);overflow:hidden;margin:2px 0 6px}
.segmind-panel .bar>div{height:100%;background:#3fa36b}
.segmind-panel .bar.over>div{background:#d05a5a}
.segmind-panel table{border-collapse:collapse;width:100%}
.segmind-panel td{padding:3px 4px;border-top:1px solid rgba(127,127,127,.2);vertical-align:top}
.segmind-panel .thumb{width:40px;height:40px;object-fit:cover;border-radius:4px;display:block}
.segmind-panel .state{font-weight:600}
.segmind-panel .rid{font-family:monospace;font-size:11px;opacity:.7;word-break:break-all}
.segmind-panel button{cursor:pointer}
.segmind-panel .error{color:#d05a5a}
`;

function capBar(label, spentText, spent, capText, cap) {
  if (cap == null) {
    return `<div data-cap="${label}">${escapeHtml(label)}: no cap <span class="muted">(Settings → Segmind)</span></div>`;
  }
  const share = Math.min(1, spent / cap);
  return `<div data-cap="${label}">${escapeHtml(label)}: ${escapeHtml(spentText)} of ${escapeHtml(capText)}
    <div class="bar ${spent > cap ? "over" : ""}"><div style="width:${(share * 100).toFixed(1)}%"></div></div></div>`;
}

function dayChart(days) {
  const most = Math.max(...days.map((d) => d.usd), 1e-9);
  const width = 100 / Math.max(days.length, 1);
  const bars = days.map((d, i) => {
    const height = d.usd > 0 ? Math.max(1, (d.usd / most) * CHART_HEIGHT) : 0;
    return `<rect x="${i * width}%" y="${CHART_HEIGHT - height}" width="${width * 0.8}%" height="${height}"
      fill="#3fa36b">
      <title>${escapeHtml(d.day)}: ${escapeHtml(d.text)}</title></rect>`;
  }).join("");
  return `<svg data-role="days" width="100%" height="${CHART_HEIGHT}" preserveAspectRatio="none">${bars}</svg>
    <div class="muted" style="display:flex;justify-content:space-between">
      <span>${escapeHtml(days[0]?.day ?? "")}</span><span>today</span></div>`;
}

function jobRow(job) {
  const thumb = job.thumbnail
    ? `<img class="thumb" alt="" src="${api.apiURL(`${ROUTES.thumbnail}?job=${encodeURIComponent(job.id)}`)}">`
    : `<div class="thumb" style="background:rgba(127,127,127,.2)"></div>`;
  const when = job.started_at ? new Date(job.started_at * 1000).toLocaleString() : "";
  const duration = job.duration_s != null ? `${job.duration_s.toFixed(1)} s` : "";
  const collect = job.collectable
    ? `<button type="button" data-collect="${escapeHtml(job.id)}" style="${BUTTON_STYLE}">collect</button>` : "";
  return `<tr data-job="${escapeHtml(job.id)}" data-state="${escapeHtml(job.state)}">
    <td>${thumb}</td>
    <td><div>${escapeHtml(job.node_title)} <span class="muted">#${escapeHtml(job.node_id)}</span></div>
      <div class="muted">${escapeHtml(job.model_name ?? job.model)} · ${escapeHtml(when)}${duration ? ` · ${duration}` : ""}
      </div>
      <div class="rid">${escapeHtml(job.request_id ?? "")}</div>
      ${job.error ? `<div class="muted" title="${escapeHtml(job.error)}">${escapeHtml(job.error.slice(0, 120))}</div>` : ""}
    </td>
    <td style="text-align:right;white-space:nowrap">
      <div class="state" style="color:${STATE_COLORS[job.state] ?? "inherit"}">${escapeHtml(job.state)}</div>
      <div>${escapeHtml(job.cost_text ?? "")}</div><div class="muted">est. ${escapeHtml(job.estimate_text ?? "—")}</div>
      ${collect}</td></tr>`;
}

function viewURL(file) {
  const query = new URLSearchParams({ filename: file.filename, subfolder: file.subfolder, type: file.type });
  return api.apiURL(`/view?${query}`);
}

const extension = (file) => file.filename.toLowerCase().split(".").pop();
const isVideo = (file) => extension(file) === "mp4";
// A video's sound that Segmind sent as a file of its own (nodes/media.py names it by its kind).
const isSound = (file) => ["mp3", "wav", "ogg", "flac", "aac"].includes(extension(file));

function savedWhat(files) {
  const videos = files.filter(isVideo).length, sounds = files.filter(isSound).length;
  if (!videos) return `${files.length} image(s)`;
  return `${videos} video(s)` + (sounds ? ` and ${sounds} sound file(s)` : "");
}

// An image, a video (the browser shows its first frame) or a sound file; a click opens the file.
function savedThumb(file) {
  const url = viewURL(file);
  const shown = isVideo(file) ? `<video class="thumb" src="${url}" preload="metadata" muted></video>`
    : isSound(file) ? `<span class="thumb" title="${escapeHtml(file.filename)}">&#9835;</span>`
      : `<img class="thumb" alt="${escapeHtml(file.filename)}" src="${url}">`;
  return `<a href="${url}" target="_blank">${shown}</a>`;
}

function receiptJob(job) {
  const made = job.finished_at ? new Date(job.finished_at * 1000).toLocaleString() : "";
  const outcome = job.error
    ? `<div class="error" data-role="receipt-error">${escapeHtml(job.error)}</div>`
    : `<div>${savedWhat(job.images)} saved in output/${escapeHtml(job.images[0]?.subfolder ?? "")}</div>
       <div style="display:flex;gap:4px;flex-wrap:wrap">${job.images.map(savedThumb).join("")}</div>`;
  return `<div data-receipt-job="${escapeHtml(job.request_id)}" data-collected="${job.error ? "no" : "yes"}">
    <div>${escapeHtml(job.model)} <span class="muted">#${escapeHtml(job.node_id)} · ${escapeHtml(made)}</span></div>
    <div class="rid">${escapeHtml(job.request_id)}</div>${outcome}</div>`;
}

function balanceLine(balance) {
  if (!balance) return `No API key is set: Settings → Segmind.`;
  if (balance.error) return `<span style="color:#d05a5a">${escapeHtml(balance.error)}</span>`;
  const readAt = new Date(balance.read_at * 1000).toLocaleTimeString();
  return `<b data-role="credits">${escapeHtml(balance.credits_text)}</b> credits
    + <b>${escapeHtml(balance.free_credits_text)}</b> free
    <span class="muted">(read ${escapeHtml(readAt)})</span>`;
}

function render(view) {
  if (view.error) return `<div style="color:#d05a5a">${escapeHtml(view.error)}</div>`;
  const caps = view.caps;
  const models = view.models.length
    ? view.models.map((m) => `<div data-model="${escapeHtml(m.model)}">${escapeHtml(m.name)}: ${escapeHtml(m.text)}</div>`)
      .join("")
    : `<div class="muted">Nothing spent in ${view.days_shown} days.</div>`;
  const running = view.in_flight ? ` <span class="muted">(+${escapeHtml(view.in_flight_text)} running)</span>` : "";
  const jobs = view.jobs.length ? `<table data-role="jobs">${view.jobs.map(jobRow).join("")}</table>`
    : `<div class="muted">No jobs yet.</div>`;
  return `
    <section><h3>Balance</h3><div data-role="balance">${balanceLine(view.balance)}</div>
      <div class="muted">${escapeHtml(view.base_url)}</div></section>
    <section data-role="today"><h3>Today: ${escapeHtml(view.spent_today_text ?? "—")}${running}</h3>
      ${capBar("per day", view.spent_today_text, view.spent_today ?? 0, caps.per_day_text, caps.per_day)}
      ${capBar("per prompt (costliest today)", caps.largest_prompt_today_text, caps.largest_prompt_today,
               caps.per_prompt_text, caps.per_prompt)}</section>
    <section><h3>Last ${view.days_shown} days</h3>${dayChart(view.days)}</section>
    <section data-role="models"><h3>Per model (${view.days_shown} days)</h3>${models}</section>
    <section><h3>Last jobs</h3>${jobs}</section>`;
}

class SpendPanel {
  constructor() {
    this.container = null;
    onRunEnded(() => this.refresh());
  }

  mount(container) {
    this.container = container;
    container.innerHTML = `<style>${STYLE}</style><div class="segmind-panel" data-segmind-panel>
      <div style="display:flex;justify-content:space-between;align-items:center"><b>Segmind</b>
      <button type="button" data-role="refresh" style="${BUTTON_STYLE}">Refresh</button></div>
      <section data-segmind-catalogue></section>
      <section data-segmind-batch></section>
      <section><h3>Collect from a saved image or video</h3>
        <div class="muted">A PNG or MP4 saved from a Segmind node names its job: collecting it again within the
          hour Segmind keeps results is free.</div>
        <input type="file" accept="image/png,video/mp4" data-role="receipt-file">
        <div data-role="receipt-result"></div></section>
      <div data-role="content" class="muted">Loading…</div></div>`;
    container.querySelector("[data-role=refresh]").addEventListener("click", () => this.refresh());
    new CatalogueSection().mount(container.querySelector("[data-segmind-catalogue]"));
    new BatchSection().mount(container.querySelector("[data-segmind-batch]"));
    const file = container.querySelector("[data-role=receipt-file]");
    file.addEventListener("change", () => file.files[0] && this.collectReceipt(file.files[0]));
    container.addEventListener("click", (event) => {
      const job = event.target.closest("[data-collect]")?.getAttribute("data-collect");
      if (job) this.collect(job, event.target);
    });
    this.refresh();
  }

  async refresh() {
    const content = this.container?.querySelector("[data-role=content]");
    if (!content) return;  // the panel was never opened
    try {
      const view = await callPack(ROUTES.spend);
      content.classList.remove("muted");
      content.innerHTML = render(view);
      content.setAttribute("data-loaded-at", String(Date.now()));
    } catch (error) {
      content.textContent = error.message;
    }
  }

  async collect(jobId, button) {
    button.disabled = true;
    button.textContent = "collecting…";
    try {
      await callPack(ROUTES.collect, { job: jobId });
    } catch (error) {
      button.insertAdjacentHTML("afterend", `<div style="color:#d05a5a">${escapeHtml(error.message)}</div>`);
    }
    this.refresh();
  }

  async collectReceipt(file) {
    const out = this.container.querySelector("[data-role=receipt-result]");
    out.setAttribute("data-state", "collecting");
    out.innerHTML = `<div class="muted">Collecting…</div>`;
    try {
      const saved = await file.arrayBuffer();  // Save Image's PNG, or Save Video's MP4
      const receipt = pngText(saved, RECEIPT_CHUNK) ?? mp4Tag(saved, RECEIPT_CHUNK);
      const answer = await callPack(ROUTES.collectReceipt, { receipt });
      out.innerHTML = answer.error ? `<div class="error" data-role="receipt-error">${escapeHtml(answer.error)}</div>`
        : answer.jobs.map(receiptJob).join("");
    } catch (error) {
      out.innerHTML = `<div class="error" data-role="receipt-error">${escapeHtml(error.message)}</div>`;
    }
    out.setAttribute("data-state", "done");
  }
}

const panel = new SpendPanel();

app.registerExtension({
  name: "segmind.flux.panel",
  setup() {
    app.extensionManager.registerSidebarTab({
      id: TAB_ID,
      icon: "pi pi-dollar",
      title: "Segmind",
      tooltip: "Segmind: balance, spend and jobs",
      type: "custom",
      render: (container) => panel.mount(container),
    });
  },
});
