"""Writes the README's tables of models, local twins and workflows from the specs and the workflow
catalog, between `<!-- table: NAME -->` and `<!-- end of table -->`. `--check` changes nothing and
exits 1 when the README is out of date (a test runs it)."""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workflow_catalog import catalog, load_pack_module  # noqa: E402

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(<!-- table: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end of table -->)", re.S)
BILLED = {"gpu-second": "per image at the page's inputs, more with more work", "generation": "per generation",
          "megapixel": "for one megapixel out, more with the megapixels in and out",
          "video-second": "per second of HD video (Segmind's average job as a 5 s clip); x5 for a 5 s clip, more in "
                          "Full HD"}


def usd(value: float) -> str:
    return f"${value:g}"


def remote_nodes() -> str:
    specs, image_params = load_pack_module("specs"), load_pack_module("specs.image_params")
    twins = {twin.remote.node_id for twin in specs.LOCAL_TWINS}
    rows = ["| node id | model (slug) | typical time | price (page) | notes |", "| --- | --- | --- | --- | --- |"]
    for spec in specs.MODELS:
        notes = [f"trigger word `{spec.trigger_word}`"] if spec.trigger_word else []
        if spec.model_inputs:
            notes.append("runs the model its " + " and ".join(f"`{p.name}`" for p in spec.model_inputs) + " name")
        images = [param for param in image_params.image_fields(spec.params) if param.kind != "VIDEO"]
        videos = [param for param in image_params.image_fields(spec.params) if param.kind == "VIDEO"]
        if spec.output == "video":
            notes.append("a VIDEO out, with its sound")
        if videos:
            notes.append("video in: " + ", ".join(f"`{param.name}` (VIDEO)" for param in videos))
        if images:
            notes.append("images in: " + ", ".join(f"`{param.name}` ({param.kind}"
                                                   f"{f', {param.slots} inputs' if hasattr(param, 'slots') else ''}"
                                                   f"{'' if param.required else ', optional'})" for param in images))
        if spec.node_id not in twins:
            notes.append("remote only: no local twin")
        name = spec.display_name.removeprefix("Segmind ")
        # No FLUX 3 job time is published: the pack's assumption is no "typical time" to show.
        time = "not published" if spec.output == "video" else f"~{spec.typical_seconds:g} s"
        rows.append(f"| `{spec.node_id}` | {name} (`{spec.slug}`) | {time} | "
                    f"~{usd(spec.price.usd)} {BILLED[spec.price.billed_per]} | {'; '.join(notes)} |")
    return "\n".join(rows) + "\n"


def catalogue() -> str:
    """Every model of the catalogue (the index shipped with the pack), and the node that runs it."""
    any_model, index = load_pack_module("specs.any_model"), load_pack_module("specs.segmind_index").bundled_index()
    typed = {spec.slug: spec.node_id for spec in load_pack_module("specs").MODELS if not spec.model_inputs}
    rows = ["| model (slug) | kind | Segmind's average cost | average time | runs in |",
            "| --- | --- | --- | --- | --- |"]
    for model in index.models:
        cost = f"~{usd(round(model.avg_cost_usd, 4))}" if model.avg_cost_usd else "not shown"
        latency = f"~{model.avg_latency_s:.1f} s" if model.avg_latency_s else "not shown"
        node = f"`{typed[model.slug]}` or `{any_model.NODE_ID}`" if model.slug in typed else f"`{any_model.NODE_ID}`"
        rows.append(f"| {model.title} (`{model.slug}`) | {model.modality} | {cost} | {latency} | {node} |")
    return "\n".join(rows) + "\n"


def local_nodes() -> str:
    specs = load_pack_module("specs")
    rows = ["| node id | twin of | runs |", "| --- | --- | --- |"]
    for twin in specs.LOCAL_TWINS:
        runs = (f"Flux {twin.base_model} + a LoRA file from `models/loras`" if twin.takes_lora
                else f"its model's open weights (`{twin.example_unet_file}`)" if twin.example_unet_file
                else f"Flux.1 {twin.base_model} weights")
        runs += "".join(f" + `{link.example_file}`" for link in twin.link_inputs if link.example_file)
        rows.append(f"| `{twin.node_id}` | `{twin.remote.node_id}` | {runs} |")
    return "\n".join(rows) + "\n"


def workflows() -> str:
    entries = catalog()
    group = {True: 0, False: 1, None: 2}  # remote, local, both; each in the catalog's order
    order = sorted(entries, key=lambda name: group[entries[name]["remote"]])
    return "".join(f"- [`{name}`](workflows/{name}.json) ([API](workflows/api/{name}.json)): "
                   f"{entries[name]['summary']}\n" for name in order)


TABLES = {"remote-nodes": remote_nodes, "catalogue": catalogue, "local-nodes": local_nodes, "workflows": workflows}


def render(text: str) -> str:
    found = {match["name"] for match in BLOCK.finditer(text)}
    if found != set(TABLES):
        raise SystemExit(f"README.md: expected the tables {sorted(TABLES)}, found {sorted(found)}")
    return BLOCK.sub(lambda match: match[1] + TABLES[match["name"]]() + match[4], text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when README.md is out of date")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    wanted = render(current)
    if args.check:
        if wanted != current:
            print("README.md's tables are out of date: run python scripts/readme_tables.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
