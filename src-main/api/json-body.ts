/**
 * The one parser of JSON that arrives over the wire (HTTP bodies and WebSocket messages). It
 * refuses, with a message naming what is wrong, bytes that are not UTF-8 and documents nested
 * deeper than any request needs — deep nesting used to surface later as an internal "Maximum call
 * stack size exceeded" from whatever walked the value recursively. Never throws.
 */

/** No request of the contract nests deeper than a handful of levels; 64 leaves room for settings blobs. */
export const MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** The deepest nesting of arrays and objects in JSON text, counted without recursion (strings skipped). */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

export function parseJson(input: Buffer | string, what = 'body', maxDepth = MAX_JSON_DEPTH): Parsed {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = utf8.decode(input);
    } catch {
      return { ok: false, message: `${what} is not valid UTF-8` };
    }
  }
  if (jsonDepth(text, maxDepth) > maxDepth) return { ok: false, message: `${what} nests arrays/objects deeper than ${maxDepth} levels` };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: `${what} is not JSON: ${(e as Error).message}` };
  }
}

/**
 * The deepest nesting of arrays and objects in a value already parsed (what Electron's IPC hands
 * over), counted without recursion; stops once past `limit`.
 */
export function valueDepth(value: unknown, limit = Infinity): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}
