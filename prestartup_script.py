"""Run by ComfyUI once as it starts, before any node loads (ComfyUI's prestartup hook): the example
workflows' input images and clip (workflows/inputs/) go into ComfyUI's input folder when they are not there, so
that the templates and their API files run as they are, in the editor and headless. A file of the same
name is never replaced; a failure is logged and changes nothing else."""
import logging
import shutil
from pathlib import Path

EXAMPLE_INPUTS_DIR = Path(__file__).resolve().parent / "workflows" / "inputs"


def place_example_inputs() -> None:
    import folder_paths  # ComfyUI's, with its --input-directory / --base-directory applied

    target = Path(folder_paths.get_input_directory())
    for image in sorted(EXAMPLE_INPUTS_DIR.glob("segmind_example_*.*")):
        if (target / image.name).exists():
            continue
        try:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(image, target / image.name)
        except OSError as exc:
            logging.warning("comfyui-segmind-flux: could not place the example input %s in %s (%s); the "
                            "examples that load it need it there.", image.name, target, exc)


place_example_inputs()
