"""Parameters that several pages define the same way (only their defaults differ)."""
from .choices import OUTPUT_FORMATS
from .params import EnumParam, IntParam, SeedParam


def seed_param(default: int, required: bool = False) -> SeedParam:
    return SeedParam("seed", "Seed for random number generation; -1 lets the server pick one "
                     "(the seed used is reported in the info output).", required=required, default=default)


def output_params() -> tuple:
    """flux-dev / flux-pro: the file the server encodes the images into."""
    return (
        EnumParam("output_format", "File format of the output images.", default="webp", allowed=OUTPUT_FORMATS),
        IntParam("output_quality", "Quality when saving the output images, from 0 to 100. 100 is best "
                 "quality, 0 is lowest quality. Not relevant for .png outputs.", default=80, minimum=0, maximum=100),
    )
