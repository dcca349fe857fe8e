"""Writes the API-format workflow of each remote model (model node -> SaveImage) from its spec.

    python scripts/make_workflows.py    # rewrites workflows/api/segmind_*.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from pack_loader import load_pack_module  # noqa: E402

FILE_NAMES = {"SegmindFluxBMWLoRA": "segmind_flux_bmw_lora", "SegmindFluxDev": "segmind_flux_dev",
              "SegmindFluxPro": "segmind_flux_pro", "SegmindFluxSchnell": "segmind_flux_schnell",
              "SegmindSimpleVectorFlux": "segmind_simple_vector_flux"}


def remote_workflow(spec) -> dict:
    inputs = {param.name: param.default for param in spec.params}
    inputs.update(transport="v2", force_refresh=False)
    return {
        "1": {"inputs": inputs, "class_type": spec.node_id, "_meta": {"title": spec.display_name}},
        "2": {"inputs": {"filename_prefix": f"segmind/{spec.slug[-24:]}", "images": ["1", 0]},
              "class_type": "SaveImage", "_meta": {"title": "Save Image"}},
    }


def main() -> None:
    specs = load_pack_module("specs")
    for spec in specs.MODELS:
        path = REPO / "workflows" / "api" / f"{FILE_NAMES[spec.node_id]}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(remote_workflow(spec), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(path.relative_to(REPO))


if __name__ == "__main__":
    main()
