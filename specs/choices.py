"""Value lists shared by several model pages, with the decisions on the pages' defects.

The pages show only the first 10 sampler names and aspect ratios; the rest are settled here.
"""

# ComfyUI's sampler list of mid-2024 (27 names), in Segmind's spelling: euler_pp / euler_ancestral_pp
# are what ComfyUI later renamed euler_cfg_pp / euler_ancestral_cfg_pp. flux-schnell shows 27 names.
SAMPLERS_MID_2024 = (
    "euler", "euler_pp", "euler_ancestral", "euler_ancestral_pp", "heun", "heunpp2",
    "dpm_2", "dpm_2_ancestral", "lms", "dpm_fast", "dpm_adaptive", "dpmpp_2s_ancestral",
    "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu",
    "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm", "ipndm_v", "deis",
    "ddim", "uni_pc", "uni_pc_bh2",
)

# The LoRA pages count 26: we drop dpm_adaptive, the one sampler that ignores `steps` and whose run
# time is unbounded, which a hosted service is the most likely to leave out. A 400 would prove us wrong.
SAMPLERS_LORA_PAGES = tuple(name for name in SAMPLERS_MID_2024 if name != "dpm_adaptive")

SCHEDULERS_SCHNELL = ("normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform")
SCHEDULERS_LORA_PAGES = SCHEDULERS_SCHNELL + ("beta",)

# The LoRA pages list 13 ratios and show 10; the 3 hidden ones are the landscape mirrors of 9:16/19/21.
ASPECT_RATIOS_LORA_PAGES = (
    "1:1", "2:3", "3:4", "5:8", "9:16", "9:19", "9:21", "3:2", "4:3", "8:5", "16:9", "19:9", "21:9",
)

# flux-dev / flux-pro list these 9 after an empty string (described as "Type of scheduler", a copy
# defect); the empty value is dropped and the example's "1:1" is the default.
ASPECT_RATIOS_DEV_PRO = ("1:1", "16:9", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")

# The pages list webp twice.
OUTPUT_FORMATS = ("webp", "jpg", "png")

# Pixels the aspect ratios are sized for: one megapixel, as Flux is trained.
MEGAPIXEL = 1024 * 1024


def aspect_ratio_size(ratio: str, multiple: int = 16) -> tuple[int, int]:
    """Width and height for an "a:b" ratio: about one megapixel, both multiples of `multiple`."""
    across, down = (int(part) for part in ratio.split(":"))
    width = round((MEGAPIXEL * across / down) ** 0.5 / multiple) * multiple
    height = round((MEGAPIXEL * down / across) ** 0.5 / multiple) * multiple
    return width, height


# The Kontext pages list 14 ratios and show 10; the 4 hidden ones are BFL's other Kontext ratios (its
# range is 21:9 to 9:21), in the order Replicate's upstream schema lists the same 14.
ASPECT_RATIOS_KONTEXT = (
    "match_input_image", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "4:5", "5:4", "21:9", "9:21", "2:1", "1:2",
)
# Black Forest Labs' own models (Kontext, Fill [pro], FLUX.2) encode jpg or png: the Kontext pages' list.
OUTPUT_FORMATS_BFL = ("jpg", "png")
