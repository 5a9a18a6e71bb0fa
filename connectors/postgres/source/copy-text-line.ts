const NULL_FIELD = '\\N';

/**
 * The fields of one line of `COPY … TO STDOUT` text format: tab-separated, `\N` for NULL, and the
 * backslash escapes PostgreSQL writes (`\\`, `\b \f \n \r \t \v`; it never writes octal or hex
 * escapes). Every field is its column's text output, as the query protocol would deliver it.
 */
export function splitCopyLine(line: string): (string | null)[] {
  const fields: (string | null)[] = line.split('\t');
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field === NULL_FIELD) fields[i] = null;
    else if (field.indexOf('\\') >= 0) fields[i] = unescapeCopyField(field);
  }
  return fields;
}

const ESCAPED: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One field with its backslash escapes resolved. */
export function unescapeCopyField(field: string): string {
  let out = '';
  let from = 0;
  for (let at = field.indexOf('\\'); at >= 0 && at < field.length - 1; at = field.indexOf('\\', from)) {
    const next = field[at + 1]!;
    out += field.slice(from, at) + (ESCAPED[next] ?? next);
    from = at + 2;
  }
  return out + field.slice(from);
}

const NEWLINE = 10;

/**
 * Reads a page of COPY text (whole lines, each ending in a newline) field by field, without an array
 * per line: the snapshot's hot path. PostgreSQL escapes tabs and newlines inside values, so a raw tab
 * ends a field and a raw newline ends a line's last field; both are found with `indexOf`, and so is
 * the next backslash, so a field without escapes is one slice of the page.
 */
export class CopyTextCursor {
  private at = 0;
  private lineStart = 0;
  /** The first backslash at or after `at` (the text's length when there is none). */
  private nextBackslash: number;

  constructor(private readonly text: string) {
    this.nextBackslash = this.backslashFrom(0);
  }

  /** True when every line has been read. */
  get done(): boolean {
    return this.at >= this.text.length;
  }

  /** Marks the start of the line about to be read (for `line()`). */
  startLine(): void {
    this.lineStart = this.at;
  }

  /** The next field (null for `\N`); `last`: the line's last field, after which the cursor is on the next line. */
  field(last: boolean): string | null {
    const text = this.text;
    const start = this.at;
    let end = text.indexOf(last ? '\n' : '\t', start);
    if (end < 0) end = text.length;
    this.at = end + 1;
    const field = text.slice(start, end);
    if (this.nextBackslash >= end) return field;
    this.nextBackslash = this.backslashFrom(this.at);
    return field === NULL_FIELD ? null : unescapeCopyField(field);
  }

  /** Where the field `plainField` moved over starts and ends in the text. */
  fieldStart = 0;
  fieldEnd = 0;

  /**
   * Moves over the next field when it has no escape (so it is not `\N` either), setting `fieldStart`
   * and `fieldEnd`, and returns true; else returns false without moving (read it with `field`).
   */
  plainField(last: boolean): boolean {
    const text = this.text;
    let end = text.indexOf(last ? '\n' : '\t', this.at);
    if (end < 0) end = text.length;
    if (this.nextBackslash < end) return false;
    this.fieldStart = this.at;
    this.fieldEnd = end;
    this.at = end + 1;
    return true;
  }

  /** The text the cursor reads. */
  get source(): string {
    return this.text;
  }

  /** Moves to the next line, skipping the fields of this one not read yet. */
  skipLine(): void {
    if (this.at > this.lineStart && this.text.charCodeAt(this.at - 1) === NEWLINE) return;
    const end = this.text.indexOf('\n', this.at);
    this.at = end < 0 ? this.text.length : end + 1;
    if (this.nextBackslash < this.at) this.nextBackslash = this.backslashFrom(this.at);
  }

  /** Where the line just read starts in the text (`startLine`). */
  get lineBegin(): number {
    return this.lineStart;
  }

  /** Where the cursor is: after a line's last field, the end of that line (its newline included). */
  get offset(): number {
    return this.at;
  }

  /** The current line's text (for messages), without its newline. */
  line(): string {
    const end = this.text.indexOf('\n', this.lineStart);
    return this.text.slice(this.lineStart, end < 0 ? this.text.length : end);
  }

  private backslashFrom(from: number): number {
    const at = this.text.indexOf('\\', from);
    return at < 0 ? this.text.length : at;
  }
}
