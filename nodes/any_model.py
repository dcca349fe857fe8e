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
from ..specs.pack_options import PACK_OPTIONS
from ..specs.params import widget_problems
from ..specs.segmind_index import bundled_index
from .image_inputs import encoded_frames, attachments_of
from .paid_run import run_paid
from .prompt_check import WidgetRules, refusals
from .remote import GRAPH_INPUT, PNGINFO_INPUT, RemoteNodeBase, node_inputs
from .user_data import data_dir

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
    """socket -> its encoded frames, for every connected image and the mask (CPU work: off the loop)."""
    return {socket: encoded_frames(kwargs[socket], any_model.NODE_ID, socket, socket == any_model.MASK_SOCKET)
            for socket in any_model.SOCKETS if kwargs.get(socket) is not None}


SOCKET_INPUTS = tuple(ImageParam(socket, f"An image for the request: write \"{{{socket}}}\" as the value of the "
                                         f"field it fills (or in a list of images).")
                      for socket in any_model.IMAGE_SOCKETS) + (
    MaskParam(any_model.MASK_SOCKET, "A mask (white: redraw): write \"{mask}\" as the value of the field it fills."),)


def make_any_model_node(runtime) -> type:
    class AnyModelNode(RemoteNodeBase):
        DESCRIPTION = ("Any Flux-family model of Segmind's index, by its slug, with its request as a JSON object. "
                       "Connected images go where the object names them (\"{image_1}\", \"{mask}\"). A model "
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
            images = await asyncio.get_running_loop().run_in_executor(runtime.job_pool(), encode_sockets, kwargs)
            body = spec.build_body(any_model.job_values(spec, values, refs, images))
            return await run_paid(runtime, spec, body, transport, force_refresh, on_failure, unique_id,
                                  kwargs.get(GRAPH_INPUT), attachments_of(images), kwargs.get(PNGINFO_INPUT))

    AnyModelNode.__name__ = AnyModelNode.__qualname__ = any_model.NODE_ID
    return AnyModelNode


ANY_MODEL_DISPLAY_NAMES = {any_model.NODE_ID: DISPLAY_NAME}


def widget_rules() -> WidgetRules:
    """The prompt check of the node's widget values as sent (the pack's options; the JSON at run time)."""
    return WidgetRules(any_model.NODE_ID, PACK_OPTIONS, link_only={})
