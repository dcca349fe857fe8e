"""Input images to Segmind's storage (client/uploads.py) against the loopback stand-in: where they go, what
is sent, each set of pixels once (across jobs, threads and restarts), and failures worded for the user."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import threading
import time

import pytest
from PIL import Image

from conftest import TEST_API_KEY
from example_files import client_settings
from pack_loader import load_pack_module
from segmind_loopback import Fault

uploads = load_pack_module("client.uploads")
keyed_locks = load_pack_module("client.keyed_locks")
errors = load_pack_module("client.errors")
config = load_pack_module("client.config")
image_params = load_pack_module("specs.image_params")
LABEL = "Segmind FLUX.1 Kontext [pro] (flux-kontext-pro)"


def png_image(color, size=(24, 16)) -> "image_params.EncodedImage":
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return image_params.EncodedImage(hashlib.sha256(repr((color, size)).encode()).hexdigest(), *size, out.getvalue())


def storage(segmind, root, locks=None, key=TEST_API_KEY, **changes):
    settings = dataclasses.replace(client_settings(segmind.base_url, key), **changes)
    return uploads.StorageUploads(settings, root, LABEL, lambda: False, locks or keyed_locks.KeyedLocks())


def test_storage_is_segmind_s_for_segmind_s_api_and_the_api_server_for_any_other():
    segmind_api = client_settings("https://api.segmind.com", "k")
    gateway = client_settings("http://127.0.0.1:9/segmind", "k")
    assert uploads.upload_url(segmind_api) == "https://workflows-api.segmind.com/upload-asset"
    assert uploads.upload_url(gateway) == "http://127.0.0.1:9/segmind/upload-asset"
    chosen = dataclasses.replace(segmind_api, storage_url="https://storage.example")
    assert uploads.upload_url(chosen) == "https://storage.example/upload-asset"
    loaded = config.load_settings(environ={"SEGMIND_STORAGE_URL": "https://storage.example/", "SEGMIND_CONFIG_FILE":
                                           "/nonexistent.json"})
    assert loaded.storage_url == "https://storage.example"


def test_an_upload_sends_data_urls_with_the_key_and_each_set_of_pixels_once(segmind, tmp_path):
    red, blue = png_image((255, 0, 0)), png_image((0, 0, 255))
    first = storage(segmind, tmp_path).urls([red, blue, red])
    assert set(first) == {red.sha256, blue.sha256} and segmind.uploads == [red.data, blue.data]
    sent = [r for r in segmind.received if r.path == "/upload-asset"]
    assert len(sent) == 1 and sent[0].headers["x-api-key"] == TEST_API_KEY
    assert sent[0].body == {"data_urls": ["data:image/png;base64," + base64.b64encode(red.data).decode(),
                                          "data:image/png;base64," + base64.b64encode(blue.data).decode()]}
    assert segmind.file_of(first[red.sha256]) == red.data
    # Another job, another process (a new StorageUploads on the same folder): nothing is uploaded again.
    again = storage(segmind, tmp_path).urls([blue, red])
    assert again == first and len(segmind.uploads) == 2
    record = json.loads((tmp_path / "uploads.json").read_text())
    assert sorted(entry["url"] for entry in record.values()) == sorted(first.values())


def test_two_threads_with_the_same_pixels_upload_them_once(segmind, tmp_path):
    # The first upload's answer is held back half a second, so that the other threads come while it runs.
    segmind.inject(Fault("POST", "/upload-asset", delay_s=0.5, mangle="delayed"))
    image, locks, found = png_image((1, 2, 3)), keyed_locks.KeyedLocks(), []
    threads = [threading.Thread(target=lambda: found.append(storage(segmind, tmp_path, locks).urls([image])))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(found) == 4 and len({tuple(result.values()) for result in found}) == 1
    assert len(segmind.uploads) == 1


def test_a_record_older_than_the_retention_is_uploaded_again(segmind, tmp_path, monkeypatch):
    image = png_image((9, 9, 9))
    storage(segmind, tmp_path).urls([image])
    now = time.time
    monkeypatch.setattr(uploads.time, "time", lambda: now() + uploads.UPLOAD_RETENTION_S + 1)
    storage(segmind, tmp_path).urls([image])
    assert len(segmind.uploads) == 2


def test_another_storage_host_does_not_reuse_the_record(segmind, tmp_path):
    image = png_image((5, 6, 7))
    storage(segmind, tmp_path).urls([image])
    other = storage(segmind, tmp_path, storage_url=segmind.base_url + "/")  # the same host, written another way
    other.urls([image])
    assert len(segmind.uploads) == 1
    moved = storage(segmind, tmp_path, storage_url=segmind.base_url.replace("127.0.0.1", "localhost"))
    moved.urls([image])
    assert len(segmind.uploads) == 2


@pytest.mark.parametrize("answer,problem", [
    ({"file_urls": []}, "answered without a URL for each image"),
    ({"file_urls": ["javascript:alert(1)"]}, "answered without a URL for each image"),
    ({"urls": ["https://storage.segmind.com/assets/a.png"]}, None),  # the docs' older key
])
def test_the_upload_answer_must_name_a_url_for_each_image(segmind, tmp_path, answer, problem):
    segmind.inject(Fault("POST", "/upload-asset", status=200, body=answer))
    image = png_image((1, 1, 1))
    if problem is None:
        assert storage(segmind, tmp_path).urls([image]) == {image.sha256: answer["urls"][0]}
        return
    with pytest.raises(errors.SegmindError, match=problem) as caught:
        storage(segmind, tmp_path).urls([image])
    assert "Nothing was submitted or billed" in str(caught.value)


def test_a_refused_upload_names_the_model_the_status_the_reason_and_what_to_do(segmind, tmp_path):
    with pytest.raises(errors.SegmindError) as caught:
        storage(segmind, tmp_path, key="sk-WRONG-key").urls([png_image((3, 3, 3))])
    text = str(caught.value)
    assert caught.value.status == 401 and text.startswith(LABEL + ": Uploading the input image(s) to 127.0.0.1:")
    assert "failed with HTTP 401" in text and "invalid or missing API key" in text and "SEGMIND_API_KEY" in text
    assert "sk-WRONG-key" not in text


def test_a_server_error_on_upload_is_retried_as_nothing_is_billed(segmind, tmp_path, monkeypatch):
    monkeypatch.setattr(load_pack_module("client.transport"), "backoff_seconds", lambda attempt: 0.01)
    segmind.inject(Fault("POST", "/upload-asset", status=502, times=2))
    image = png_image((4, 4, 4))
    assert image.sha256 in storage(segmind, tmp_path).urls([image])
    assert len([r for r in segmind.received if r.path == "/upload-asset"]) == 3 and len(segmind.uploads) == 1
