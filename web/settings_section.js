// The "Segmind" section of ComfyUI's Settings dialog: the API key (write-only), the two spend caps and a
// key test. Values go to the pack's own route (GET/POST /segmind-flux/config), which keeps them in
// ComfyUI's user directory with mode 600. These fields never call the dialog's setter, so nothing of
// theirs lands in ComfyUI's own settings file, a workflow or the browser's storage.
import { app } from "../../scripts/app.js";
import { ROUTES, callPack, elementFrom, escapeHtml } from "./lib/segmind_client.js";

const FIELD_STYLE = "display:flex;flex-direction:column;gap:4px;width:26rem;max-width:100%";
const BUTTON_STYLE = "padding:4px 10px;border-radius:6px;border:1px solid rgba(127,127,127,.5);"
  + "background:rgba(127,127,127,.15);color:inherit;cursor:pointer";
const ROW_STYLE = "display:flex;gap:6px;align-items:center";
const NOTE_STYLE = "font-size:12px;opacity:.8";

function sourceNote(view, key) {
  const source = view.sources?.[key];
  if (!source) return "";
  if (source.error) return source.error;
  if (source.overridden_by_environment) {
    return `In use: ${source.where}, which overrides the value saved here.`;
  }
  return source.source === "default" ? "Not set." : `In use: ${source.where}.`;
}

function field(id, inputAttributes, buttons) {
  const element = elementFrom(`<div style="${FIELD_STYLE}" data-segmind-setting="${id}">
      <div style="${ROW_STYLE}">
        <input ${inputAttributes} class="p-inputtext p-component" style="flex:1;min-width:0"/>${buttons}</div>
      <div data-role="state" style="${NOTE_STYLE}"></div>
      <div data-role="message" style="${NOTE_STYLE}"></div></div>`);
  const parts = {
    element,
    input: element.querySelector("input"),
    state: element.querySelector("[data-role=state]"),
    message: element.querySelector("[data-role=message]"),
  };
  parts.say = (text, failed = false) => {
    parts.message.textContent = text;
    parts.message.style.color = failed ? "#e06c6c" : "";
  };
  return parts;
}

async function save(parts, changes, show) {
  parts.say("Saving…");  // an earlier answer no longer applies
  try {
    show(await callPack(ROUTES.config, changes));
    parts.say("Saved; used from the next run.");
    return true;
  } catch (error) {
    parts.say(error.message, true);  // the server's words, e.g. why a cap is refused; nothing was saved
    return false;
  }
}

function renderKeyField() {
  const inputAttributes = `type="password" autocomplete="new-password" spellcheck="false" placeholder="paste a key"`;
  const parts = field("api_key", inputAttributes,
    `<button type="button" data-role="save" style="${BUTTON_STYLE}">Save</button>
     <button type="button" data-role="remove" style="${BUTTON_STYLE}">Remove</button>`);
  const show = (view) => {
    const hint = view.api_key_hint ? ` (…${view.api_key_hint})` : "";
    parts.state.textContent = (view.api_key_set ? `A key is set${hint}. ` : "No key is set. ") + sourceNote(view, "api_key");
  };
  parts.element.querySelector("[data-role=save]").addEventListener("click", async () => {
    const key = parts.input.value.trim();
    if (!key) return parts.say("Paste a key first.", true);
    if (await save(parts, { api_key: key }, show)) parts.input.value = "";  // the page keeps no copy
  });
  const remove = parts.element.querySelector("[data-role=remove]");
  remove.addEventListener("click", () => save(parts, { api_key: "" }, show));
  callPack(ROUTES.config).then(show, (error) => parts.say(error.message, true));
  return parts.element;
}

function renderCapField(key) {
  return () => {
    const parts = field(key, `type="text" inputmode="decimal" placeholder="no cap (US dollars)"`,
      `<button type="button" data-role="save" style="${BUTTON_STYLE}">Save</button>`);
    const show = (view) => {
      const usd = view[`${key}_text`];
      parts.state.textContent = (usd == null ? "No cap. " : `Cap in use: ${usd}. `) + sourceNote(view, key);
    };
    const submit = () => save(parts, { [key]: parts.input.value.trim() }, show);
    parts.element.querySelector("[data-role=save]").addEventListener("click", submit);
    parts.input.addEventListener("keydown", (event) => { if (event.key === "Enter") submit(); });
    callPack(ROUTES.config).then((view) => {
      show(view);
      if (view.sources?.[key]?.source === "settings") parts.input.value = String(view[key]);
    }, (error) => parts.say(error.message, true));
    return parts.element;
  };
}

function renderTestButton() {
  const element = elementFrom(`<div style="${FIELD_STYLE}" data-segmind-setting="test_key">
      <div style="${ROW_STYLE}"><button type="button" style="${BUTTON_STYLE}">Test key</button></div>
      <div data-role="message" style="${NOTE_STYLE}"></div></div>`);
  const message = element.querySelector("[data-role=message]");
  element.querySelector("button").addEventListener("click", async () => {
    message.textContent = "Reading the balance…";
    try {
      const answer = await callPack(ROUTES.testKey, {});
      message.innerHTML = answer.ok
        ? `The key works: balance ${escapeHtml(answer.credits_text)} + ${escapeHtml(answer.free_credits_text)} free.`
        : escapeHtml(answer.error);
      message.style.color = answer.ok ? "" : "#e06c6c";
    } catch (error) {
      message.textContent = error.message;
      message.style.color = "#e06c6c";
    }
  });
  return element;
}

// sortOrder: the dialog lists a group's entries by it (highest first), else by the reverse of registration.
const setting = (id, group, name, tooltip, type, sortOrder) => ({
  id: `Segmind.${id}`, category: ["Segmind", group, name], name, tooltip, type, defaultValue: "", sortOrder,
});

app.registerExtension({
  name: "segmind.flux.settings",
  settings: [
    setting("ApiKey", "Account", "API key", "Write-only: kept in ComfyUI's user directory (mode 600), never sent back "
      + "to the browser. The environment variable SEGMIND_API_KEY wins over it.", renderKeyField, 2),
    setting("TestKey", "Account", "Test the key", "Reads the account's balance: free, never billed.", renderTestButton, 1),
    setting("MaxSpendPerPrompt", "Spend caps", "Max spend per prompt (USD)", "A prompt whose remote nodes would "
      + "cost more is refused before anything is sent. Empty: no cap.", renderCapField("max_spend_per_prompt"), 2),
    setting("MaxSpendPerDay", "Spend caps", "Max spend per day (USD)", "All prompts of a local calendar day together; "
      + "empty: no cap.", renderCapField("max_spend_per_day"), 1),
  ],
});
