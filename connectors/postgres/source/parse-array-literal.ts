/** An element of a parsed PostgreSQL array: its text (null for NULL), or a nested array. */
export type ArrayElement = string | null | ArrayElement[];

/**
 * Parses PostgreSQL's text output of an array (`{1,2,NULL}`, `{{"a b","c\"d"},{e,f}}`, with an optional
 * `[1:2]=` bounds prefix) into nested JS arrays of element texts. Throws on malformed input.
 */
export function parseArrayLiteral(text: string, delimiter = ','): ArrayElement[] {
  let at = 0;
  if (text.startsWith('[')) {
    at = text.indexOf('=') + 1;
    if (at === 0) throw new Error(`malformed array literal: ${text}`);
  }
  const fail = (): never => {
    throw new Error(`malformed array literal at character ${at + 1}: ${text}`);
  };
  const parseArray = (): ArrayElement[] => {
    if (text[at] !== '{') fail();
    at++;
    const items: ArrayElement[] = [];
    if (text[at] === '}') {
      at++;
      return items;
    }
    for (;;) {
      const char = text[at];
      if (char === '{') items.push(parseArray());
      else if (char === '"') {
        at++;
        let value = '';
        for (;;) {
          const c = text[at];
          if (c === undefined) fail();
          if (c === '\\') {
            value += text[at + 1] ?? fail();
            at += 2;
          } else if (c === '"') {
            at++;
            break;
          } else {
            value += c;
            at++;
          }
        }
        items.push(value);
      } else {
        const start = at;
        while (at < text.length && text[at] !== delimiter && text[at] !== '}') at++;
        const raw = text.slice(start, at).trim();
        items.push(raw.toUpperCase() === 'NULL' ? null : raw);
      }
      if (text[at] === delimiter) {
        at++;
        continue;
      }
      if (text[at] === '}') {
        at++;
        return items;
      }
      fail();
    }
  };
  const result = parseArray();
  if (at !== text.length) fail();
  return result;
}
