// Reads one metadata tag of an MP4 (ISO media) file, as ComfyUI's Save Video writes them: FFmpeg's
// "use_metadata_tags", i.e. moov/meta with a `keys` box (the tag names) and an `ilst` box (item N: the
// value of key N, in a `data` box). Returns the value as text, or null when the file has no such tag.
const CONTAINERS = new Set(["moov", "meta", "udta"]);

function boxes(view, start, end) {
  const found = [];
  for (let at = start; at + 8 <= end;) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(...new Uint8Array(view.buffer, view.byteOffset + at + 4, 4));
    let header = 8;
    if (size === 1 && at + 16 <= end) {  // a 64-bit size: a box over 4 GB is no metadata box, but skip it right
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;  // to the end of the file
    }
    if (size < header || at + size > end) break;
    found.push({ type, start: at + header, end: at + size });
    at += size;
  }
  return found;
}

function metaBoxes(view, start, end, out) {
  for (const box of boxes(view, start, end)) {
    if (box.type === "meta") {
      // Apple's meta has no version/flags; an ISO one (4 bytes) is told apart by its first child's type.
      const iso = boxes(view, box.start + 4, box.end).some((child) => child.type === "hdlr");
      out.push(iso ? { ...box, start: box.start + 4 } : box);
    } else if (CONTAINERS.has(box.type)) {
      metaBoxes(view, box.start, box.end, out);
    }
  }
  return out;
}

export function mp4Tag(buffer, name) {
  const view = new DataView(buffer);
  const utf8 = new TextDecoder("utf-8");
  if (buffer.byteLength < 12 || utf8.decode(new Uint8Array(buffer, 4, 4)) !== "ftyp") return null;
  for (const meta of metaBoxes(view, 0, buffer.byteLength, [])) {
    const children = boxes(view, meta.start, meta.end);
    const keysBox = children.find((box) => box.type === "keys");
    const list = children.find((box) => box.type === "ilst");
    if (!keysBox || !list) continue;
    const names = boxes(view, keysBox.start + 8, keysBox.end)  // after version/flags and the entry count
      .map((key) => utf8.decode(new Uint8Array(buffer, key.start, key.end - key.start)));
    const index = names.indexOf(name) + 1;
    if (!index) continue;
    for (const item of boxes(view, list.start, list.end)) {
      if (view.getUint32(item.start - 4) !== index) continue;  // an item's type is its key's number
      const data = boxes(view, item.start, item.end).find((box) => box.type === "data");
      if (data) return utf8.decode(new Uint8Array(buffer, data.start + 8, data.end - data.start - 8));
    }
  }
  return null;
}
