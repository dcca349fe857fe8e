"""The example workflows, described once: nodes, widget values and links. scripts/build_workflows.py
turns each into the UI-format file (built in the real editor) and the API-format file (what the editor
produces from it). Widget values not given keep the node's defaults, i.e. the Segmind page's."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pack_loader import load_pack_module  # noqa: E402

# The file names of ComfyUI's official Flux examples.
MODEL_FILES = {
    "dev": "flux1-dev.safetensors", "schnell": "flux1-schnell.safetensors",
    "kontext": "flux1-dev-kontext_fp8_scaled.safetensors", "krea": "flux1-krea-dev_fp8_scaled.safetensors",
    "fill": "flux1-fill-dev.safetensors", "depth": "flux1-depth-dev.safetensors",
    "t5": "t5xxl_fp16.safetensors", "clip_l": "clip_l.safetensors", "vae": "ae.safetensors",
    "redux": "flux1-redux-dev.safetensors", "sigclip": "sigclip_vision_patch14_384.safetensors",
}
# Where each file comes from and the models/ folder it goes in, as ComfyUI's own Flux templates name them
# (comfyui-workflow-templates): the newest editor offers these downloads when a file is missing.
MODEL_SOURCES = {
    "dev": ("https://huggingface.co/Comfy-Org/flux1-dev/resolve/main/flux1-dev.safetensors", "diffusion_models"),
    "schnell": ("https://huggingface.co/Comfy-Org/flux1-schnell/resolve/main/flux1-schnell.safetensors",
                "diffusion_models"),
    "kontext": ("https://huggingface.co/Comfy-Org/flux1-kontext-dev_ComfyUI/resolve/main/split_files/"
                "diffusion_models/flux1-dev-kontext_fp8_scaled.safetensors", "diffusion_models"),
    "krea": ("https://huggingface.co/Comfy-Org/FLUX.1-Krea-dev_ComfyUI/resolve/main/split_files/diffusion_models/"
             "flux1-krea-dev_fp8_scaled.safetensors", "diffusion_models"),
    "fill": ("https://huggingface.co/Comfy-Org/flux1-dev/resolve/main/split_files/diffusion_models/"
             "flux1-fill-dev.safetensors", "diffusion_models"),
    # No ComfyUI template loads the whole Depth model (its own uses the Depth LoRA): ComfyUI's Flux examples
    # page names Black Forest Labs' file.
    "depth": ("https://huggingface.co/black-forest-labs/FLUX.1-Depth-dev/resolve/main/flux1-depth-dev.safetensors",
              "diffusion_models"),
    "redux": ("https://huggingface.co/Comfy-Org/Flux1-Redux-Dev/resolve/main/flux1-redux-dev.safetensors",
              "style_models"),
    "sigclip": ("https://huggingface.co/Comfy-Org/sigclip_vision_384/resolve/main/sigclip_vision_patch14_384.safetensors",
                "clip_vision"),
    "t5": ("https://huggingface.co/comfyanonymous/flux_text_encoders/resolve/main/t5xxl_fp16.safetensors",
           "text_encoders"),
    "clip_l": ("https://huggingface.co/comfyanonymous/flux_text_encoders/resolve/main/clip_l.safetensors",
               "text_encoders"),
    "vae": ("https://huggingface.co/Comfy-Org/Lumina_Image_2.0_Repackaged/resolve/main/split_files/vae/ae.safetensors",
            "vae"),
}
# The input images the example workflows load, shipped in workflows/inputs/ (the pack copies them into
# ComfyUI's input folder as ComfyUI starts: prestartup_script.py; the runner uploads them to a --url server).
EXAMPLE_INPUTS = {"photo": "segmind_example_house.png", "inpaint": "segmind_example_inpaint.png",
                  "depth": "segmind_example_depth.png",  # a depth map of the house, drawn (light: near)
                  "clip": "segmind_example_clip.mp4"}  # the house, 3 s zooming in, with a tone
EXAMPLE_INPUTS_DIR = Path(__file__).resolve().parent.parent / "workflows" / "inputs"
# The two LoRAs of the stacked-LoRA workflow; each LoRA twin's example file is named in its spec.
STACKED_LORA_FILES = {"first": "my_style_lora.safetensors", "second": "my_subject_lora.safetensors"}
KEY_NOTE = ("Needs a Segmind API key: save it in ComfyUI's Settings (Segmind section), or set SEGMIND_API_KEY "
            "before starting ComfyUI. Each new image is billed to that account; queueing the same inputs again "
            "reuses the earlier result. The Segmind panel in the sidebar shows the balance and what each job cost.")


def models_note(unet: str, loras: tuple[str, ...] = (), others: tuple[str, ...] = ()) -> str:
    """`others`: more model files, as models/<folder>/<file>."""
    text = (f"Runs on your own GPU. Needs: models/diffusion_models/{unet}, models/text_encoders/"
            f"{MODEL_FILES['t5']} and {MODEL_FILES['clip_l']}, models/vae/{MODEL_FILES['vae']}"
            + "".join(f", {other}" for other in others) + " (the files of ComfyUI's Flux examples).")
    if loras:
        text += (" And in models/loras: " + ", ".join(loras) + ": these names stand for your own Flux LoRA "
                 "files (Segmind does not publish its hosted LoRAs for download); put any Flux LoRA from Hugging "
                 "Face, Civitai or your own training there and pick it in the node.")
    return text


def model_files(*keys: str) -> dict:
    """A loader's `models` property: the files it loads and where to get them."""
    return {"models": [{"name": MODEL_FILES[key], "url": MODEL_SOURCES[key][0], "directory": MODEL_SOURCES[key][1]}
                       for key in keys]}


# How wide each kind of node is drawn, so that its values show in full; model nodes get DEFAULT_WIDTH.
WIDTHS = {"Note": 360, "LoadImage": 330, "UNETLoader": 330, "DualCLIPLoader": 330, "VAELoader": 330, "SegmindFluxLoRALoader": 330,
          "CLIPVisionLoader": 330, "StyleModelLoader": 330,
          "PrimitiveStringMultiline": 330, "PrimitiveInt": 330, "PreviewAny": 360, "SaveImage": 400,
          "LoadVideo": 330, "SaveVideo": 400}
DEFAULT_WIDTH = 400
MODEL_FILES_GROUP = "Your model files"


def node(key: str, kind: str, col: int, **extra) -> dict:
    """One node: its column (0 loaders and notes, then the model nodes, then outputs); extra: widgets,
    properties (saved with the node), title, group (a frame around the consecutive nodes of a column with
    that title), align (line up with that node), room (height for what the node shows only after a run)."""
    return {"key": key, "type": kind, "col": col, "width": WIDTHS.get(kind, DEFAULT_WIDTH), **extra}


def note(text: str) -> dict:
    return node("note", "Note", 0, widgets={"text": text})


def loaders(variant: str, group: str = MODEL_FILES_GROUP) -> list[dict]:
    """`variant`: a key of MODEL_FILES (the diffusion model's file)."""
    return [
        node("unet", "UNETLoader", 0, group=group, properties=model_files(variant),
             widgets={"unet_name": MODEL_FILES[variant], "weight_dtype": "default"}),
        node("clip", "DualCLIPLoader", 0, group=group, properties=model_files("t5", "clip_l"),
             widgets={"clip_name1": MODEL_FILES["t5"], "clip_name2": MODEL_FILES["clip_l"], "type": "flux"}),
        node("vae", "VAELoader", 0, group=group, properties=model_files("vae"), widgets={"vae_name": MODEL_FILES["vae"]}),
    ]


def save(key: str, source: str, prefix: str, col: int, **extra) -> tuple[dict, tuple]:
    # Room for a square preview of the saved image.
    return (node(key, "SaveImage", col, widgets={"filename_prefix": prefix}, room=WIDTHS["SaveImage"] - 40, **extra),
            (source, 0, key, "images"))


def save_video(key: str, source: str, prefix: str, col: int) -> tuple[dict, tuple]:
    # Streams copied as they are ("auto"): the sound stays; room for the editor's video preview.
    return (node(key, "SaveVideo", col, widgets={"filename_prefix": prefix, "format": "auto", "codec": "auto"},
                 room=WIDTHS["SaveVideo"] - 120), (source, 0, key, "video"))


def image_inputs(spec) -> tuple[list[dict], list[tuple], str]:
    """LoadImage nodes for a remote model's image fields (a mask comes from the alpha of its image), their
    links, and what the Note says about them."""
    image_params = load_pack_module("specs.image_params")
    nodes, links = [], []
    for param in image_params.image_fields(spec.params):
        if param.kind == "VIDEO":
            nodes.append(node(f"load_{param.name}", "LoadVideo", 0, widgets={"file": EXAMPLE_INPUTS["clip"]},
                              title="Video to continue", room=WIDTHS["LoadVideo"] * 3 // 4, spill=120))
            links.append((f"load_{param.name}", 0, "model", param.name))
            continue
        if isinstance(param, image_params.MaskParam):
            links.append((f"load_{param.matches}", 1, "model", param.name))
            continue
        example = EXAMPLE_INPUTS["inpaint" if any(isinstance(p, image_params.MaskParam) for p in spec.params)
                                 else "photo"]
        socket = param.sockets()[0]
        nodes.append(node(f"load_{param.name}", "LoadImage", 0, widgets={"image": example},
                          title="Reference image" if isinstance(param, image_params.ImageListParam) else "Input image"))
        links.append((f"load_{param.name}", 0, "model", socket))
    if not nodes:
        return [], [], ""
    if any(param.kind == "VIDEO" for param in image_params.image_fields(spec.params)):
        return nodes, links, " Load your own clip (MP4): it is uploaded to Segmind's storage once."
    masked = any(isinstance(p, image_params.MaskParam) for p in spec.params)
    text = (" Load your own image: its transparent part (alpha) is the mask, redrawn as the prompt says."
            if masked else " Load your own image" + (" (more references: the node's other reference_image inputs)."
                                                     if any(isinstance(p, image_params.ImageListParam)
                                                            for p in spec.params) else "."))
    return nodes, links, text + " Each image is uploaded to Segmind's storage once."


# Widget values an example workflow shows instead of the page default: the fine-tune page's "TOK TOK" says
# nothing of what a fine-tune's prompt looks like.
EXAMPLE_WIDGETS = {"SegmindFluxDevFinetuned": {"prompt": (
    "a photo of TOK, a red sports car on a winding mountain road at golden hour, cinematic light, shallow "
    "depth of field, highly detailed; TOK is your fine-tune's trigger word")}}


def remote_workflow(spec) -> dict:
    saver, link = (save_video("save", "model", f"segmind/{spec.workflow}", 2) if spec.output == "video" else
                   save("save", "model", f"segmind/{spec.workflow}", 2))
    loads, links, text = image_inputs(spec)
    model = node("model", spec.node_id, 1, widgets=EXAMPLE_WIDGETS.get(spec.node_id, {}))
    return {"nodes": [note(KEY_NOTE + text), *loads, model, saver], "links": [*links, link]}


def unet_variant(twin) -> str:
    """The MODEL_FILES key of the diffusion model a twin's example workflow loads."""
    return next((key for key, name in MODEL_FILES.items() if name == twin.example_unet_file), twin.base_model)


# A local twin's image inputs: the example image its Load Image loads, its title, and what the Note says.
LINK_IMAGES = {
    "input_image": ("photo", "Image to edit", "Load your own image to edit."),
    "image": ("inpaint", "Image to inpaint", "Load your own image: its transparent part (alpha) is the mask, redrawn "
                                             "as the prompt says."),
    "control_image": ("depth", "Depth map", "control_image must already be a depth map (light near, dark far): here "
                                            "one drawn of the example house. Make yours from a photo with a depth "
                                            "preprocessor node (such as Depth Anything of comfyui_controlnet_aux) or "
                                            "ComfyUI's Lotus depth template."),
    "redux_image": ("photo", "Image to vary", "Load your own image to make variations of."),
}
# The loaders of a twin's model inputs (Redux's), with the widget that names the file.
LINK_LOADERS = {"CLIP_VISION": ("CLIPVisionLoader", "clip_name"), "STYLE_MODEL": ("StyleModelLoader", "style_model_name")}


def link_nodes(twin) -> tuple[list[dict], list[tuple], list[str], list[str]]:
    """A local twin's link inputs: their nodes (model loaders, then the Load Image), links, what the Note says
    of them and the model files they need (models/<folder>/<file>). A mask is its image's alpha."""
    loads, images, links, says, files = [], [], [], [], []
    for link in twin.link_inputs:
        if link.kind == "MASK":
            links.append(("load_image", 1, "model", link.name))
        elif link.kind in LINK_LOADERS:
            kind, widget = LINK_LOADERS[link.kind]
            key = next(key for key, name in MODEL_FILES.items() if name == link.example_file)
            loads.append(node(f"load_{link.name}", kind, 0, group=MODEL_FILES_GROUP, properties=model_files(key),
                              widgets={widget: link.example_file}))
            links.append((f"load_{link.name}", 0, "model", link.name))
            files.append(f"models/{MODEL_SOURCES[key][1]}/{link.example_file}")
        else:
            example, title, text = LINK_IMAGES[link.name]
            # Beside more model loaders, column 0 grows too tall to read: the image goes above the model node.
            column = 1 if loads else 0
            images.append(node("load_image", "LoadImage", column, widgets={"image": EXAMPLE_INPUTS[example]},
                               title=title))
            links.append(("load_image", 0, "model", link.name))
            says.append(text)
    return loads + images, links, says, files


def local_workflow(twin) -> dict:
    variant = unet_variant(twin)
    loras = (twin.example_lora_file,) if twin.takes_lora else ()
    model = node("model", twin.node_id, 1, widgets={"lora_name": loras[0]} if loras else {})
    saver, link = save("save", "model", f"segmind-local/{twin.workflow}", 2)
    loads, image_links, says, files = link_nodes(twin)
    links = [("unet", 0, "model", "model"), ("clip", 0, "model", "clip"), ("vae", 0, "model", "vae"), link,
             *image_links]
    text = " ".join([models_note(MODEL_FILES[variant], loras, tuple(files)), *says])
    return {"nodes": [note(text), *loaders(variant), *loads, model, saver], "links": links}


def credits_workflow() -> dict:
    return {"nodes": [note("Free: reads the balance of your Segmind account and what the pack counted as spent "
                           "today on this machine. With no key or a wrong one it fails with the message the model "
                           "nodes give: run it to test a key. Set the key in ComfyUI's Settings (Segmind "
                           "section) or SEGMIND_API_KEY."),
                      node("credits", "SegmindCredits", 1),
                      node("show", "PreviewAny", 2, room=60, title="Balance and today's spend")],
            "links": [("credits", 2, "show", "source")]}


# The node for any catalogue model: FLUX.1 PuLID, a face image named in the request by "{image_1}".
# A model with no typed node (its estimate is Segmind's average), with the example the node offers for it.
ANY_MODEL_EXAMPLE = {"model": "flux-ipadapter",
                     "parameters": load_pack_module("specs.any_model_examples").example_texts()["flux-ipadapter"]}


def any_model_workflow() -> dict:
    saver, link = save("save", "model", "segmind/any_model", 2)
    text = (KEY_NOTE + " Any model of Segmind's index: pick its slug, write its request as the model's page "
            "shows it. A connected image goes where the request names it (\"{image_1}\"); it is uploaded to "
            "Segmind's storage once. The estimate is Segmind's average cost for the model.")
    return {"nodes": [note(text), node("load_image", "LoadImage", 0, widgets={"image": EXAMPLE_INPUTS["photo"]},
                                       title="Reference image"),
                      node("model", "SegmindFluxAnyModel", 1, widgets=ANY_MODEL_EXAMPLE), saver],
            "links": [("load_image", 0, "model", "image_1"), link]}


def stacked_lora_workflow() -> dict:
    first, second = STACKED_LORA_FILES["first"], STACKED_LORA_FILES["second"]
    loras, reports = "LoRAs, applied in order", "What each LoRA matched"
    saver, link = save("save", "model", "segmind-local/two-loras", 3)
    return {
        "nodes": [note(models_note(MODEL_FILES["dev"], (first, second))), *loaders("dev"),
                  node("lora1", "SegmindFluxLoRALoader", 1, group=loras,
                       widgets={"lora_name": first, "strength": 0.8}),
                  node("lora2", "SegmindFluxLoRALoader", 1, group=loras,
                       widgets={"lora_name": second, "strength": 1.0}),
                  node("model", "SegmindFluxDevLocal", 2),
                  node("report1", "PreviewAny", 2, group=reports, room=40, title="LoRA 1 report"),
                  node("report2", "PreviewAny", 2, group=reports, room=40, title="LoRA 2 report"),
                  saver],
        "links": [("unet", 0, "lora1", "model"), ("clip", 0, "lora1", "clip"),
                  ("lora1", 0, "lora2", "model"), ("lora1", 1, "lora2", "clip"),
                  ("lora1", 2, "report1", "source"), ("lora2", 2, "report2", "source"),
                  ("lora2", 0, "model", "model"), ("lora2", 1, "model", "clip"), ("vae", 0, "model", "vae"), link],
    }


def remote_vs_local(remote: str, local: str, variant: str, values: dict, prefix: str, edits: str | None = None) -> dict:
    """One prompt and seed (and for an edit model, one image into its `edits` input) for the remote node
    and its local twin, saved side by side."""
    shared = "One image, prompt and seed for both" if edits else "One prompt and seed for both"
    remote_save, remote_link = save("save_remote", "remote", f"compare/{prefix}remote", 3, align="remote")
    local_save, local_link = save("save_local", "local", f"compare/{prefix}local", 3, align="local")
    image = [node("load_image", "LoadImage", 1, group=shared, title="Image to edit",
                  widgets={"image": EXAMPLE_INPUTS["photo"]})] if edits else []
    links = [("load_image", 0, "remote", edits), ("load_image", 0, "local", edits)] if edits else []
    return {
        "nodes": [note(KEY_NOTE + " " + models_note(MODEL_FILES[variant])
                       + (" Load your own image to edit." if edits else "")),
                  *loaders(variant, MODEL_FILES_GROUP + " (local only)"), *image,
                  node("prompt", "PrimitiveStringMultiline", 1, group=shared, title="Prompt",
                       widgets={"value": values["prompt"]}),
                  # "fixed": the core node's default, "randomize", would pay for a new image on every Queue.
                  node("seed", "PrimitiveInt", 1, group=shared, title="Seed",
                       widgets={"value": values["seed"], "control_after_generate": "fixed"}),
                  # The values the links bring, also in the linked widgets: 1.32.9 shows them greyed.
                  node("remote", remote, 2, widgets=values),
                  node("local", local, 2, widgets=values),
                  remote_save, local_save],
        "links": [*links, ("prompt", 0, "remote", "prompt"), ("seed", 0, "remote", "seed"),
                  ("prompt", 0, "local", "prompt"), ("seed", 0, "local", "seed"),
                  ("unet", 0, "local", "model"), ("clip", 0, "local", "clip"), ("vae", 0, "local", "vae"),
                  remote_link, local_link],
    }


def catalog() -> dict[str, dict]:
    """name -> {"summary": one line for the README, "remote": runs against Segmind, "graph": ...}."""
    specs = load_pack_module("specs")
    out = {}
    for spec in specs.MODELS:
        loads, links, _ = image_inputs(spec)
        masked = any(link[3] == "mask" for link in links)
        uses = (", inpainting the example image's transparent part (Load Image)" if masked
                else ", continuing the example clip (Load Video)" if any(n["type"] == "LoadVideo" for n in loads)
                else ", on the example image (Load Image)" if loads else "")
        uses += ", saved with its sound (Save Video)" if spec.output == "video" else ""
        out[spec.workflow] = {"summary": f"{spec.display_name.removeprefix('Segmind ')} on Segmind, the page's "
                                         f"defaults{uses}.",
                                        "remote": True, "graph": remote_workflow(spec)}
    out["segmind_flux_any_model"] = {"summary": "Any model of Segmind's catalogue by its slug (here FLUX.1 "
                                                "PuLID on the example image), its request as JSON.",
                                     "remote": True, "graph": any_model_workflow()}
    out["segmind_credits"] = {"summary": "Your Segmind balance and today's counted spend, free: run it to test "
                                         "a key.", "remote": True, "graph": credits_workflow()}
    for twin in specs.LOCAL_TWINS:
        loaders_used = ", ".join(["UNETLoader", "DualCLIPLoader flux", "VAELoader",
                                  *(LINK_LOADERS[link.kind][0] for link in twin.link_inputs if link.kind in LINK_LOADERS)])
        out[twin.workflow] = {"summary": f"{twin.remote.display_name.removeprefix('Segmind ')} on your GPU "
                                         f"({loaders_used}), the same parameters.",
                              "remote": False, "graph": local_workflow(twin)}
    out["local_flux_dev_two_loras"] = {"summary": "Two stacked SegmindFluxLoRALoaders (any LoRA format) on "
                                                  "local Flux dev, with their match reports.",
                                       "remote": False, "graph": stacked_lora_workflow()}
    out["remote_vs_local_flux_dev"] = {"summary": "The same prompt and seed on Segmind's Flux.1 Dev and on "
                                                  "your GPU, saved side by side.",
                                       "remote": None, "graph": remote_vs_local(
                                           "SegmindFluxDev", "SegmindFluxDevLocal", "dev",
                                           {"prompt": "a red fox in the snow, golden hour, detailed fur", "seed": 46588},
                                           "")}
    out["remote_vs_local_flux_kontext_dev"] = {"summary": "The same edit (image, prompt, seed) on Segmind's "
                                                          "FLUX.1 Kontext [dev] and on your GPU, side by side.",
                                               "remote": None, "graph": remote_vs_local(
                                                   "SegmindFluxKontextDev", "SegmindFluxKontextDevLocal", "kontext",
                                                   {"prompt": "make it a snowy winter evening, keep the house as it "
                                                              "is", "seed": 42}, "kontext-", edits="input_image")}
    return out


def workflow_names() -> dict[str, str]:
    """node id -> its example workflow's file name, for every remote model and local twin."""
    specs = load_pack_module("specs")
    any_model = load_pack_module("specs.any_model")
    return {**{item.node_id: item.workflow for item in (*specs.MODELS, *specs.LOCAL_TWINS)},
            any_model.NODE_ID: "segmind_flux_any_model"}


def example_lora_files() -> tuple[str, ...]:
    return tuple(twin.example_lora_file for twin in load_pack_module("specs").LOCAL_TWINS if twin.takes_lora)


def place_placeholder_models(base_dir: Path) -> None:
    """Empty files under the names the workflows use, so the editor's and the server's lists hold them.
    (The example input images are the pack's to place: prestartup_script.py.)"""
    folders = {"diffusion_models": tuple(MODEL_FILES[key] for key in ("dev", "schnell", "kontext", "krea", "fill",
                                                                       "depth")),
               "text_encoders": (MODEL_FILES["t5"], MODEL_FILES["clip_l"]), "vae": (MODEL_FILES["vae"],),
               "clip_vision": (MODEL_FILES["sigclip"],), "style_models": (MODEL_FILES["redux"],),
               "loras": (*example_lora_files(), *STACKED_LORA_FILES.values())}
    for folder, names in folders.items():
        (base_dir / "models" / folder).mkdir(parents=True, exist_ok=True)
        for name in names:
            (base_dir / "models" / folder / name).touch()
