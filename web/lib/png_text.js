// Reading a text chunk of a PNG in the browser: the receipt that the pack's remote nodes leave in the
// images ComfyUI saves (nodes/receipts.py). No extension is registered here.
const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

function afterNul(data, from) {
  const nul = data.indexOf(0, from);
  return nul < 0 ? -1 : nul + 1;
}

// The text of chunk `keyword` (tEXt, or uncompressed iTXt), or null when the file has none.
export function pngText(buffer, keyword) {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 8 || !SIGNATURE.every((byte, i) => bytes[i] === byte)) return null;
  const view = new DataView(buffer);
  const latin1 = new TextDecoder("latin1");
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = view.getUint32(at);
    const type = latin1.decode(bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length));
    const textStart = afterNul(data, 0);
    if ((type === "tEXt" || type === "iTXt") && textStart > 1
        && latin1.decode(data.subarray(0, textStart - 1)) === keyword) {
      if (type === "tEXt") return latin1.decode(data.subarray(textStart));
      if (data[textStart] !== 0) return null;  // a compressed iTXt: ComfyUI never writes one
      const text = afterNul(data, afterNul(data, textStart + 2));
      return text < 0 ? null : new TextDecoder("utf-8").decode(data.subarray(text));
    }
    if (type === "IEND") break;
    at += 12 + length;
  }
  return null;
}
