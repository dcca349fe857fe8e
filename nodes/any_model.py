"""SegmindFluxAnyModel: any model of the catalogue (Segmind's index, specs/segmind_index.py), its request as
one JSON object (specs/any_model.py). It runs as the typed nodes do: the prompt's estimate and caps, the
balance check, the result cache, receipts, cancel and the v2 queue (nodes/paid_run.py)."""
from __future__ import annotations

import asyncio

from ..client.config import ConfigError, load_settings
from ..client.model_index import retired_slugs, saved_index
from ..specs import SpecValidationError
from ..specs import any_model
from ..specs.image_params import ImageParam, MaskParam
from ..specs.model import VIDEO
from ..specs.pack_options import PACK_OPTIONS
from ..specs.params import widget_problems
from ..specs.segmind_index import bundled_index
from ..specs.video_params import VideoParam
from .image_inputs import encoded_frames, attachments_of
from .paid_run import run_paid
from .prompt_check import WidgetRules, refusals
from .remote import GRAPH_INPUT, INFO_TOOLTIP, PNGINFO_INPUT, RemoteNodeBase, node_inputs
from .user_data import data_dir
from .videos import encode_video_input, first_frame

DISPLAY_NAME = "Segmind Flux: any catalogue model"


def catalogue_in_use():
    """(the index in use, the slugs Segmind retired): the refreshed copy of this server's state folder."""
    try:
        folder = data_dir(load_settings())
    except (ConfigError, OSError, ImportError):
        return bundled_index(), ()
    return saved_index(folder), retired_slugs(folder)


def model_choices() -> list[str]:
    """Every model of the catalogue, then the retired ones (a saved workflow naming one still loads)."""
    index, retired = catalogue_in_use()
    return [model.slug for model in index.models] + [slug for slug in retired if slug not in index.by_slug()]


def encode_sockets(kwargs: dict) -> dict:
    """socket -> its encoded frames (the video: its file), for every connected input (CPU work: off the loop)."""
    def encoded(socket: str):
        if socket == any_model.VIDEO_SOCKET:
            return encode_video_input(kwargs[socket], any_model.NODE_ID, socket)
        return encoded_frames(kwargs[socket], any_model.NODE_ID, socket, socket == any_model.MASK_SOCKET)

    return {socket: encoded(socket) for socket in any_model.SOCKETS if kwargs.get(socket) is not None}


VIDEO_OUTPUT = 2  # the node's third output


def linked_outputs(graph, unique_id) -> set[int]:
    """The node's outputs that another node of the prompt takes (ComfyUI's hidden PROMPT)."""
    return {link[1] for node in (graph or {}).values() if isinstance(node, dict)
            for link in (node.get("inputs") or {}).values()
            if isinstance(link, list) and len(link) == 2 and str(link[0]) == str(unique_id)}


SOCKET_INPUTS = tuple(ImageParam(socket, f"An image for the request: write \"{{{socket}}}\" as the value of the "
                                         f"field it fills (or in a list of images).")
                      for socket in any_model.IMAGE_SOCKETS) + (
    MaskParam(any_model.MASK_SOCKET, "A mask (white: redraw): write \"{mask}\" as the value of the field it fills."),
    VideoParam(any_model.VIDEO_SOCKET, "A video for the request (a video model's input clip): write \"{video}\" as "
                                       "the value of the field it fills; it is uploaded once."))


def make_any_model_node(runtime) -> type:
    class AnyModelNode(RemoteNodeBase):
        # A third output for a video model's answer; the images output then holds its first frame.
        RETURN_TYPES = ("IMAGE", "STRING", "VIDEO")
        RETURN_NAMES = ("images", "info", "video")
        OUTPUT_TOOLTIPS = ("The generated images, as a batch (a video model: the video's first frame).", INFO_TOOLTIP,
                           "A video model's video, with its sound (Save Video). Connect it for a video model only.")
        DESCRIPTION = ("Any Flux-family model of Segmind's index, by its slug, with its request as a JSON object. "
                       "Connected images go where the object names them (\"{image_1}\", \"{mask}\", \"{video}\"); "
                       "a video model's answer comes out of 'video'. A model "
                       "with a typed node is checked as that node checks it; any other model's fields go as "
                       "given, and Segmind refuses what it does not take (not billed). Estimates use Segmind's "
                       "average cost for the model where no typed node exists.")

        @classmethod
        def INPUT_TYPES(cls):
            _, options = node_inputs(SOCKET_INPUTS + PACK_OPTIONS)
            return {"required": {
                        "model": (model_choices(), {"tooltip": "The model's slug in Segmind's index (the Segmind "
                                                               "panel refreshes the catalogue)."}),
                        any_model.PARAMETERS: ("STRING", {
                            "multiline": True, "default": any_model.EXAMPLE_PARAMETERS,
                            "tooltip": "The request as one JSON object, as the model's page shows it; images as "
                                       "\"{image_1}\".. \"{image_4}\" and \"{mask}\". Picking a model puts its "
                                       "page example here, unless the text is your own."})},
                    "optional": options, "hidden": cls.HIDDEN}

        @classmethod
        def VALIDATE_INPUTS(cls, **kwargs):
            problems = refusals(kwargs) + widget_problems(PACK_OPTIONS, kwargs, any_model.NODE_ID)
            if isinstance(kwargs.get(any_model.PARAMETERS), str):
                try:
                    any_model.parse_parameters(kwargs[any_model.PARAMETERS])
                except SpecValidationError as exc:
                    problems.append(str(exc))
            return " ".join(problems) if problems else True

        async def generate(self, model, parameters, unique_id=None, transport="v2", force_refresh=False,
                           on_failure="error", **kwargs):
            # Everything is checked before anything is uploaded or paid, values over links included.
            for option, value in zip(PACK_OPTIONS, (transport, force_refresh, on_failure)):
                option.validate(value, any_model.NODE_ID)
            values = any_model.parse_parameters(parameters)
            connected = {socket for socket in any_model.SOCKETS if kwargs.get(socket) is not None}
            refs = any_model.check_references(values, connected)
            index, retired = await asyncio.to_thread(catalogue_in_use)
            spec = any_model.job_spec(str(model), index, values, refs, retired)
            if spec.output != VIDEO and VIDEO_OUTPUT in linked_outputs(kwargs.get(GRAPH_INPUT), unique_id):
                raise SpecValidationError(f"{any_model.NODE_ID}: '{spec.slug}' answers with images, so the 'video' "
                                          "output has nothing to give: connect 'images' instead. Nothing was sent or "
                                          "paid.")
            loop = asyncio.get_running_loop()
            images = await loop.run_in_executor(runtime.job_pool(), encode_sockets, kwargs)
            body = spec.build_body(any_model.job_values(spec, values, refs, images))
            ran = await run_paid(runtime, spec, body, transport, force_refresh, on_failure, unique_id,
                                 kwargs.get(GRAPH_INPUT), attachments_of(images), kwargs.get(PNGINFO_INPUT))
            made, info = ran["result"]
            if spec.output != VIDEO:
                return {**ran, "result": (made, info, None)}
            frame = await loop.run_in_executor(runtime.job_pool(), first_frame, made)  # decoding: off the loop
            return {**ran, "result": (frame, info, made)}

    AnyModelNode.__name__ = AnyModelNode.__qualname__ = any_model.NODE_ID
    return AnyModelNode


ANY_MODEL_DISPLAY_NAMES = {any_model.NODE_ID: DISPLAY_NAME}


def widget_rules() -> WidgetRules:
    """The prompt check of the node's widget values as sent (the pack's options; the JSON at run time)."""
    return WidgetRules(any_model.NODE_ID, PACK_OPTIONS, link_only={})
