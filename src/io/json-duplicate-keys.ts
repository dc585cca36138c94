/**
 * JSON.parse keeps the last of two equal keys without a word, so a header could name one tensor twice and
 * silently drop the first. This scans the raw text at the token level and reports the first key that
 * repeats inside one object. It assumes the text already parsed as JSON.
 */

export interface DuplicateKey {
  /** the repeated key, escapes decoded (so "a" and "\u0061" collide, as they do for JSON.parse) */
  key: string;
  /** keys of the enclosing objects, outermost first; [] for a top-level key */
  path: string[];
}

interface Frame {
  keys: Set<string> | null; // null for arrays
  lastKey: string | null;
}

export function findDuplicateKey(text: string): DuplicateKey | null {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') {
      stack.push({ keys: c === '{' ? new Set() : null, lastKey: null });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === '"') {
      const end = endOfString(text, i);
      const top = stack[stack.length - 1];
      if (top?.keys && nextNonSpace(text, end + 1) === ':') {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) {
          const path = stack.slice(0, -1).filter((f) => f.keys !== null).map((f) => f.lastKey ?? '');
          return { key, path };
        }
        top.keys.add(key);
        top.lastKey = key;
      }
      i = end;
    }
  }
  return null;
}

/** Index of the closing quote of the string that opens at `start`. */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i;
}

function nextNonSpace(text: string, from: number): string | undefined {
  let i = from;
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  return text[i];
}
