"""Input images to Segmind's storage, each set of pixels once: the documented upload (the SDK's
`files.upload`: POST {"data_urls": [...]} to /upload-asset, answering {"file_urls": [...]}) and the
record of what was uploaded, by content hash, in the state folder of the API server.

The storage host is SEGMIND_STORAGE_URL; unset, it is Segmind's own for Segmind's API, and the API
server itself for any other SEGMIND_BASE_URL (a gateway, the stand-in, a test server), so that nothing
of a test run reaches Segmind. The key goes only to that host, in the x-api-key header.
"""
from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urlsplit

from .config import Settings
from .errors import SegmindError, http_error
from .keyed_locks import KeyedLocks
from .json_file import DamagedJsonFile, LockedJsonFile
from .state_folder import is_segmind_api, server_identity
from .transport import Transport
from .waiting import StopCheck

DEFAULT_STORAGE_URL = "https://workflows-api.segmind.com"
UPLOAD_PATH = "upload-asset"
RECORD_FILE = "uploads.json"
# Segmind documents storage URLs as persistent; a month bounds what a silent deletion on their side costs.
UPLOAD_RETENTION_S = 30 * 24 * 3600.0
RECORD_MAX_ENTRIES = 5000
# Images per upload request: a handful of megapixel PNGs stays well within any gateway's body limit.
IMAGES_PER_REQUEST = 4


def storage_url(settings: Settings) -> str:
    if settings.storage_url:
        return settings.storage_url
    return DEFAULT_STORAGE_URL if is_segmind_api(settings.base_url) else settings.base_url


def upload_url(settings: Settings) -> str:
    return f"{storage_url(settings)}/{UPLOAD_PATH}"


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


class UploadRecord:
    """(storage host, pixels hash) -> the uploaded file's URL, kept in the state folder."""

    def __init__(self, root: Path | None, storage: str):
        self.file = LockedJsonFile(Path(root) / RECORD_FILE) if root is not None else None
        self.storage = server_identity(storage)

    def _key(self, sha256: str) -> str:
        return f"{self.storage} {sha256}"

    def known(self, hashes: Iterable[str]) -> dict[str, str]:
        if self.file is None:
            return {}
        try:
            entries = self.file.read()
        except DamagedJsonFile:
            return {}
        fresh_after = time.time() - UPLOAD_RETENTION_S
        found = {}
        for sha in hashes:
            entry = entries.get(self._key(sha))
            if isinstance(entry, dict) and isinstance(entry.get("url"), str) and entry.get("at", 0) > fresh_after:
                found[sha] = entry["url"]
        return found

    def add(self, urls: dict[str, str]) -> None:
        if self.file is None or not urls:
            return
        with self.file.update(replace_damaged=True) as entries:
            now = time.time()
            entries.update({self._key(sha): {"url": url, "at": now} for sha, url in urls.items()})
            for stale in sorted(entries, key=lambda key: entries[key].get("at", 0))[:-RECORD_MAX_ENTRIES]:
                del entries[stale]


def _file_urls(answer_body: bytes, count: int) -> list[str] | None:
    try:
        data = json.loads(answer_body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    urls = data.get("file_urls", data.get("urls")) if isinstance(data, dict) else None
    if not isinstance(urls, list) or len(urls) != count:
        return None
    good = all(isinstance(url, str) and len(url) < 4096 and urlsplit(url).scheme in ("http", "https")
               and urlsplit(url).hostname and not any(c.isspace() for c in url) for url in urls)
    return urls if good else None


class StorageUploads:
    """Uploads for one job: `urls(images)` gives every image's storage URL, uploading only the unknown."""

    def __init__(self, settings: Settings, root: Path | None, model_label: str, stop: StopCheck,
                 locks: KeyedLocks, on_upload: Callable[[int], None] = lambda count: None):
        self.settings, self.label, self.stop, self.locks = settings, model_label, stop, locks
        self.record = UploadRecord(root, storage_url(settings))
        self.on_upload = on_upload  # (how many images) right before an upload request goes out

    def urls(self, images: list) -> dict[str, str]:
        """sha256 -> URL for each of `images` (specs/image_params.EncodedImage, specs/video_params.EncodedVideo)."""
        unique = {image.sha256: image for image in images}
        with self.locks.holding(unique):
            found = self.record.known(unique)
            missing = [image for sha, image in unique.items() if sha not in found]
            for group in _request_groups(missing):
                uploaded = self._upload(group)
                try:
                    self.record.add(uploaded)
                except (OSError, ValueError):
                    pass  # only a saving: the same pixels would be uploaded again next time
                found.update(uploaded)
        return found

    def _upload(self, images: list) -> dict[str, str]:
        self.on_upload(len(images))
        url = upload_url(self.settings)
        transport = Transport(self.settings, self.label, self.stop)
        try:
            answer = transport.post_unbilled(url, {"data_urls": [data_url(image.data, image.mime) for image in images]})
        finally:
            transport.close()
        host = urlsplit(url).netloc
        if not answer.ok:
            error = http_error(self.label, answer.status, answer.body, answer.content_type,
                               secret=self.settings.api_key)
            what = "image(s)" if all(item.mime.startswith("image/") for item in images) else "video"
            raise SegmindError(self.label, f"Uploading the input {what} to {host} failed with HTTP "
                               f"{answer.status}.", error.advice if answer.status in (401, 403, 429) else
                               "Nothing was submitted or billed: queue again; check SEGMIND_STORAGE_URL if you "
                               "set it.", status=answer.status, reason=error.reason)
        urls = _file_urls(answer.body, len(images))
        if urls is None:
            raise SegmindError(self.label, f"The upload to {host} answered without a URL for each image.",
                               "Nothing was submitted or billed: queue again; report it if it repeats.")
        return {image.sha256: url for image, url in zip(images, urls)}


def _request_groups(files: list) -> list[list]:
    """Files per upload request: up to IMAGES_PER_REQUEST images; a video (tens of MB) goes alone."""
    videos = [[item] for item in files if not item.mime.startswith("image/")]
    images = [item for item in files if item.mime.startswith("image/")]
    return [images[start:start + IMAGES_PER_REQUEST] for start in range(0, len(images), IMAGES_PER_REQUEST)] + videos


def _tokens(value) -> list[str]:
    return list(value) if isinstance(value, list) else [value]


def wire_body(body: dict, fields: dict[str, str], attachments: dict, uploads: StorageUploads) -> dict:
    """The body as the page takes it: each image token of `fields` (page name -> "uri" or "base64")
    replaced by its storage URL or its encoded file. `attachments`: token -> EncodedImage."""
    present = {name: how for name, how in fields.items() if name in body}
    to_upload = [attachments[token] for name, how in present.items() if how == "uri" for token in _tokens(body[name])]
    urls = uploads.urls(to_upload) if to_upload else {}

    def sent(token: str, how: str) -> str:
        image = attachments[token]
        return urls[image.sha256] if how == "uri" else base64.b64encode(image.data).decode("ascii")

    out = dict(body)
    for name, how in present.items():
        value = body[name]
        out[name] = [sent(token, how) for token in value] if isinstance(value, list) else sent(value, how)
    return out
