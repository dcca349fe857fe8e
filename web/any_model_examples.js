// The node for any model: picking another model puts that model's example request into `parameters`
// (GET /segmind-flux/catalogue's examples), unless the text is the user's own (not the node's default nor
// the example of the model picked before). Watched by looking, as the money badges are: a widget change
// reaches no single callback in every frontend. A loaded workflow keeps its text.
import { app } from "../../scripts/app.js";
import { ROUTES, callPack } from "./lib/segmind_client.js";

const NODE_TYPE = "SegmindFluxAnyModel";
const WATCH_EVERY_MS = 250;
let examples = null; // slug -> JSON text, asked once per editor session

async function exampleOf(slug) {
  examples ??= callPack(ROUTES.catalogue).then((answer) => answer.examples ?? {}).catch(() => ({}));
  return (await examples)[slug];
}

const widget = (node, name) => node.widgets?.find((w) => w.name === name);

async function offerExample(node, before, slug) {
  const parameters = widget(node, "parameters");
  const [previous, next] = [await exampleOf(before), await exampleOf(slug)];
  const text = parameters?.value ?? "";
  const untouched = !text.trim() || text === node.segmindDefaultParameters || text === previous;
  if (!next || !untouched || widget(node, "model")?.value !== slug) return;
  parameters.value = next;
  parameters.callback?.(next);
  node.setDirtyCanvas?.(true, true);
}

function watchModels() {
  for (const node of app.graph?.nodes ?? app.graph?._nodes ?? []) {
    if (node.type !== NODE_TYPE) continue;
    const model = widget(node, "model")?.value;
    if (node.segmindSeenModel !== undefined && model !== node.segmindSeenModel) {
      offerExample(node, node.segmindSeenModel, model);
    }
    node.segmindSeenModel = model;
  }
}

app.registerExtension({
  name: "segmind.flux.anyModelExamples",
  setup() {
    setInterval(watchModels, WATCH_EVERY_MS);
  },
  async beforeRegisterNodeDef(nodeType, nodeData) {
    if (nodeData.name !== NODE_TYPE) return;
    const defaultText = nodeData.input?.required?.parameters?.[1]?.default;
    const created = nodeType.prototype.onNodeCreated;
    nodeType.prototype.onNodeCreated = function (...args) {
      const result = created?.apply(this, args);
      this.segmindDefaultParameters = defaultText;
      return result;
    };
  },
});
