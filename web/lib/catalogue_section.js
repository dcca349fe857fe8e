// The Segmind panel's Models line: how many Flux models the catalogue holds and from which copy of
// Segmind's index ("Models: 40, Segmind's index of 2026-08-19 · Refresh"). Refresh reads the index now
// (routes/catalogue.py) and says what changed; the node for any model offers the new list at once.
import { app } from "../../../scripts/app.js";
import { ROUTES, callPack, escapeHtml } from "./segmind_client.js";

const BUTTON_STYLE = "font-size:11px;padding:0 6px;cursor:pointer";

function summary(view) {
  const retired = view.retired?.length ? ` · ${view.retired.length} retired` : "";
  return `Models: ${view.count}, Segmind's index of ${escapeHtml(view.date)}${retired}`;
}

export class CatalogueSection {
  mount(container) {
    this.container = container;
    container.innerHTML = `<h3>Catalogue</h3>
      <div><span data-role="catalogue-summary" class="muted">Loading…</span>
        · <button type="button" data-role="catalogue-refresh" style="${BUTTON_STYLE}">Refresh</button></div>
      <div data-role="catalogue-message" class="muted"></div>`;
    container.querySelector("[data-role=catalogue-refresh]").addEventListener("click", () => this.refreshIndex());
    this.show();
  }

  async show() {
    const line = this.container.querySelector("[data-role=catalogue-summary]");
    try {
      line.innerHTML = summary(await callPack(ROUTES.catalogue));
    } catch (error) {
      line.textContent = error.message;
    }
  }

  async refreshIndex() {
    const button = this.container.querySelector("[data-role=catalogue-refresh]");
    const message = this.container.querySelector("[data-role=catalogue-message]");
    button.disabled = true;
    message.setAttribute("data-state", "refreshing");
    message.textContent = "Reading Segmind's index…";
    try {
      const answer = await callPack(ROUTES.catalogueRefresh, {});
      this.container.querySelector("[data-role=catalogue-summary]").innerHTML = summary(answer);
      message.textContent = answer.message;
      // The nodes' lists of models: the editor reads node definitions once, so read them again now.
      if (answer.refreshed) await app.refreshComboInNodes?.();
    } catch (error) {
      message.textContent = error.message;
    }
    message.setAttribute("data-state", "done");
    button.disabled = false;
  }
}
