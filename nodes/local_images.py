"""The link inputs of the local twins that take images (Kontext, Fill, Depth, Redux): checked before anything
is loaded or sampled (one image, a mask of its image's size), sized, and made into their graph
(samplers/image_graphs.py)."""
from __future__ import annotations

from ..samplers import image_graphs
from ..specs.choices import MEGAPIXEL
from ..specs.local import DEPTH, FILL, KONTEXT, MATCH_INPUT_MEGAPIXELS, REDUX, LocalTwin
from ..specs.params import SpecValidationError

# Where each kind of link input usually comes from, for the error of a missing or wrong one.
SOURCES = {"IMAGE": "an IMAGE output such as Load Image", "MASK": "a MASK output such as Load Image's"}
# Graphs whose output takes the size of their input image, scaled by `megapixels`.
SIZED_BY_INPUT = (FILL, DEPTH)


def one_image(twin: LocalTwin, name: str, image):
    import torch

    if not isinstance(image, torch.Tensor) or image.dim() != 4 or image.shape[-1] not in (3, 4):
        raise SpecValidationError(f"{twin.node_id}: input '{name}' needs an image: connect {SOURCES['IMAGE']}.")
    if image.shape[0] != 1:
        raise SpecValidationError(f"{twin.node_id}: input '{name}' takes one image; got a batch of "
                                  f"{image.shape[0]}. Pick one with ImageFromBatch.")
    return image


def one_mask(twin: LocalTwin, name: str, mask, image_name: str, image):
    import torch

    if not isinstance(mask, torch.Tensor) or mask.dim() not in (2, 3):
        raise SpecValidationError(f"{twin.node_id}: input '{name}' needs a mask: connect {SOURCES['MASK']}.")
    mask = mask.reshape((-1, *mask.shape[-2:]))
    if mask.shape[0] != 1:
        raise SpecValidationError(f"{twin.node_id}: input '{name}' takes one mask; got a batch of {mask.shape[0]}.")
    if tuple(mask.shape[-2:]) != tuple(image.shape[1:3]):
        raise SpecValidationError(
            f"{twin.node_id}: input '{name}' must have the size of '{image_name}' ({image.shape[2]}x{image.shape[1]}); "
            f"got {mask.shape[2]}x{mask.shape[1]}. Resize the mask or make it from that image.")
    return mask


def checked_links(twin: LocalTwin, given: dict) -> dict:
    """The twin's image and mask inputs, checked; its model inputs as given (local_checks checks them)."""
    links, image_name = {}, None
    for link in twin.link_inputs:
        value = given.get(link.name)
        if link.kind == "IMAGE":
            links[link.name], image_name = one_image(twin, link.name, value), image_name or link.name
        elif link.kind == "MASK":
            links[link.name] = one_mask(twin, link.name, value, image_name, links[image_name])
        else:
            links[link.name] = value
    return links


def megapixels(twin: LocalTwin, values: dict) -> float | None:
    """The page's `megapixels` as a number (Krea, Redux: "1", "0.25"); None for Fill's and Depth's
    `match_input` (the input image's size)."""
    text = values.get("megapixels", "1")
    takes_match = twin.graph in SIZED_BY_INPUT
    if takes_match and text == MATCH_INPUT_MEGAPIXELS:
        return None
    try:
        number = float(text)
    except (TypeError, ValueError):
        number = 0.0
    if not 0.01 <= number <= 4:
        also = f" or {MATCH_INPUT_MEGAPIXELS} (the input image's size)" if takes_match else ""
        raise SpecValidationError(f"{twin.node_id}: input 'megapixels' must be a number of megapixels from 0.01 to "
                                  f"4 (such as 1 or 0.25){also} to size the image locally; got {text!r}.")
    return number


def scaled_size(size: tuple[float, float], megapixels: float) -> tuple[int, int]:
    """A one-megapixel size scaled to `megapixels`, each side a multiple of 16 (Flux's latent patch)."""
    scale = megapixels ** 0.5
    return tuple(max(16, round(side * scale / 16) * 16) for side in size)


def sized_input(twin: LocalTwin, values: dict, links: dict):
    """The image whose size the output takes: Kontext's scaled to a Kontext resolution, Fill's image and Depth's
    depth map scaled to `megapixels` (ImageScale; `match_input`: as they are); None for the other twins."""
    if twin.graph == KONTEXT:
        return image_graphs.kontext_scaled(links[twin.link_inputs[0].name])
    if twin.graph not in SIZED_BY_INPUT:
        return None
    image = links[twin.link_inputs[0].name]
    number = megapixels(twin, values)
    if number is None:
        return image
    height, width = image.shape[1], image.shape[2]
    one = (MEGAPIXEL / (width * height)) ** 0.5
    return image_graphs.scaled(image, *scaled_size((width * one, height * one), number))


def image_graph(twin: LocalTwin, links: dict, sized):
    """The twin's image graph for samplers/flux_pipeline.generate (None: text-to-image or image-to-image)."""
    if twin.graph == KONTEXT:
        return image_graphs.kontext(sized)
    if twin.graph == FILL:
        return image_graphs.fill(sized, links["mask"])
    if twin.graph == DEPTH:
        return image_graphs.depth(sized)
    if twin.graph == REDUX:
        return image_graphs.redux(links["clip_vision"], links["style_model"], links["redux_image"])
    return None
