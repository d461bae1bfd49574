/** Bytes `[start, end)` as latin1 text (one character per byte), without intermediate arrays. */
export function latin1Text(data: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(data[i]!);
  return text;
}
