/**
 * CIF 1.1 syntax: a single pass over the text with char-code checks, producing data blocks of
 * items and loops. Knows nothing about crystallography (see cif-structure.ts).
 *
 * Handled: `data_` blocks, `loop_`, tags, bare values, '...' and "..." quoted values (a quote closes
 * only when followed by whitespace, as CIF 1.1 says), `;` text fields, `#` comments, `global_`,
 * `save_` frames (skipped), `stop_`, LF / CRLF / CR line ends. Tags are lower-cased and DDL2/CIF2
 * dots are turned into underscores (`_atom_site.fract_x` == `_atom_site_fract_x`); the original
 * spelling's dot is remembered per block (`dottedAtomSite`) to recognise mmCIF.
 *
 * Lenient where real files are sloppy (a stray value, a tag without value, an unterminated quote in
 * the middle of the file: warning), strict where it matters (the file ends inside a loop row, a
 * quoted string or a text field: the last block is marked truncated).
 */
import { ReadProblem } from './errors';

export interface CifLoop {
  /** Normalised tags, in order. */
  readonly tags: string[];
  /** Values row-major: row r, column c is values[r * tags.length + c]. */
  readonly values: string[];
  /** 1-based line of the first value of each row. */
  readonly rowLines: number[];
  /** Line of the `loop_` keyword. */
  readonly line: number;
  /** values.length is a multiple of tags.length. */
  complete: boolean;
}

export interface CifScalar {
  readonly value: string;
  readonly line: number;
}

export type CifItem = { readonly kind: 'scalar'; readonly scalar: CifScalar } | { readonly kind: 'loop'; readonly loop: CifLoop; readonly column: number };

export interface CifBlock {
  /** Block name without `data_` (may be empty). */
  readonly name: string;
  /** Line of the `data_` header. */
  readonly line: number;
  readonly items: Map<string, CifItem>;
  readonly loops: CifLoop[];
  readonly warnings: string[];
  /** Set when the text ended in the middle of this block's syntax (inside a loop row, quote or text field). */
  truncated?: { line: number; reason: string };
  /** Some `_atom_site.` tag was written with a dot (DDL2 / mmCIF style). */
  dottedAtomSite: boolean;
}

export interface CifDocument {
  readonly blocks: CifBlock[];
  /** Problems outside any block (content before the first data_ header). */
  readonly warnings: string[];
}

const MAX_STRAY_WARNINGS = 5;

/** Parse CIF text into blocks. Throws ReadProblem only for text that is not CIF at all. */
export function parseCifSyntax(text: string): CifDocument {
  const n = text.length;
  const blocks: CifBlock[] = [];
  const docWarnings: string[] = [];
  let pos = 0;
  let line = 1;
  let lineStart = 0;

  let block: CifBlock | null = null;
  let pendingTag: string | null = null;
  let pendingTagLine = 0;
  let loop: CifLoop | null = null;
  let loopInValues = false;
  let inSaveFrame = false;
  let strayCount = 0;
  let beforeFirstBlock = 0;

  // read through a function: TypeScript does not see assignments made inside the closures below
  const curBlock = (): CifBlock | null => block;
  const warn = (msg: string): void => {
    if (block) block.warnings.push(msg);
    else docWarnings.push(msg);
  };

  const closeLoop = (): void => {
    if (!loop) return;
    const nt = loop.tags.length;
    if (nt > 0 && loop.values.length % nt !== 0) {
      loop.complete = false;
      warn(`loop at line ${loop.line} has ${loop.values.length} values, not a multiple of its ${nt} tags`);
    }
    loop = null;
    loopInValues = false;
  };

  const flushPendingTag = (): void => {
    if (pendingTag !== null) {
      warn(`tag ${pendingTag} at line ${pendingTagLine} has no value`);
      pendingTag = null;
    }
  };

  const onTag = (raw: string, tline: number): void => {
    if (inSaveFrame) return;
    const tag = normaliseTag(raw);
    if (block === null) {
      beforeFirstBlock++;
      return;
    }
    if (tag.startsWith('_atom_site_') && raw.charCodeAt(10) === 46) block.dottedAtomSite = true;
    if (loop !== null && !loopInValues) {
      loop.tags.push(tag);
      if (!block.items.has(tag)) block.items.set(tag, { kind: 'loop', loop, column: loop.tags.length - 1 });
      return;
    }
    if (loop !== null) closeLoop();
    flushPendingTag();
    pendingTag = tag;
    pendingTagLine = tline;
  };

  const onValue = (value: string, vline: number): void => {
    if (inSaveFrame) return;
    if (block === null) {
      beforeFirstBlock++;
      return;
    }
    if (pendingTag !== null) {
      if (!block.items.has(pendingTag)) block.items.set(pendingTag, { kind: 'scalar', scalar: { value, line: vline } });
      pendingTag = null;
      return;
    }
    if (loop !== null) {
      if (loop.tags.length === 0) {
        warn(`loop_ at line ${loop.line} has no tags; value '${clip(value)}' ignored`);
        loop = null;
        return;
      }
      if (loop.values.length % loop.tags.length === 0) loop.rowLines.push(vline);
      loop.values.push(value);
      loopInValues = true;
      return;
    }
    if (strayCount++ < MAX_STRAY_WARNINGS) warn(`value '${clip(value)}' at line ${vline} belongs to no tag (ignored)`);
  };

  const onReserved = (word: 'data' | 'loop' | 'global' | 'save' | 'stop', arg: string, rline: number): void => {
    if (word === 'save') {
      // save frames only occur in dictionaries; skip their content
      if (arg.length > 0) {
        closeLoop();
        flushPendingTag();
        inSaveFrame = true;
      } else inSaveFrame = false;
      return;
    }
    if (inSaveFrame) return;
    closeLoop();
    flushPendingTag();
    if (word === 'data' || word === 'global') {
      block = {
        name: word === 'global' ? 'global_' : arg,
        line: rline,
        items: new Map(),
        loops: [],
        warnings: [],
        dottedAtomSite: false,
      };
      blocks.push(block);
      strayCount = 0;
      return;
    }
    if (word === 'loop') {
      if (block === null) {
        beforeFirstBlock++;
        return;
      }
      loop = { tags: [], values: [], rowLines: [], line: rline, complete: true };
      block.loops.push(loop);
      loopInValues = false;
    }
    // 'stop': the loop has been closed above
  };

  for (;;) {
    // skip whitespace and comments
    let c = 0;
    while (pos < n) {
      c = text.charCodeAt(pos);
      if (c === 10) {
        line++;
        pos++;
        lineStart = pos;
      } else if (c === 13) {
        line++;
        pos++;
        if (pos < n && text.charCodeAt(pos) === 10) pos++;
        lineStart = pos;
      } else if (c === 32 || c === 9 || c === 11 || c === 12) {
        pos++;
      } else if (c === 35 /* # */) {
        pos++;
        while (pos < n) {
          c = text.charCodeAt(pos);
          if (c === 10 || c === 13) break;
          pos++;
        }
      } else break;
    }
    if (pos >= n) break;
    const tline = line;
    if (c === 59 /* ; */ && pos === lineStart) {
      // text field: up to the next line that starts with ';'
      const start = pos + 1;
      let p = start;
      let closed = -1;
      let nl = 0;
      while (p < n) {
        const d = text.charCodeAt(p);
        if (d === 10 || d === 13) {
          const eol = p;
          p++;
          if (d === 13 && p < n && text.charCodeAt(p) === 10) p++;
          nl++;
          if (p < n && text.charCodeAt(p) === 59) {
            closed = eol;
            break;
          }
        } else p++;
      }
      if (closed < 0) {
        const where = curBlock();
        const reason = `text field opened with ';' at line ${tline} is never closed`;
        if (where) where.truncated = { line: tline, reason };
        else throw new ReadProblem('truncated', reason, tline);
        dropOpenState();
        break;
      }
      line += nl;
      lineStart = p;
      pos = p + 1; // after the closing ';'
      onValue(text.slice(start, closed), tline);
      continue;
    }
    if (c === 39 || c === 34 /* ' " */) {
      const q = c;
      let p = pos + 1;
      let end = -1;
      while (p < n) {
        const d = text.charCodeAt(p);
        if (d === 10 || d === 13) break;
        if (d === q) {
          const e = p + 1 < n ? text.charCodeAt(p + 1) : 32;
          if (e === 32 || e === 9 || e === 10 || e === 13 || e === 11 || e === 12) {
            end = p;
            break;
          }
        }
        p++;
      }
      if (end < 0) {
        if (p >= n) {
          const reason = `quoted string opened at line ${tline} is never closed (file ends)`;
          const where = curBlock();
          if (where) where.truncated = { line: tline, reason };
          else throw new ReadProblem('truncated', reason, tline);
          dropOpenState();
          break;
        }
        // unterminated on this line: take the rest of the line (lenient), warn
        warn(`quoted string at line ${tline} is not closed on its line; read to the end of the line`);
        onValue(text.slice(pos + 1, p), tline);
        pos = p;
        continue;
      }
      onValue(text.slice(pos + 1, end), tline);
      pos = end + 1;
      continue;
    }
    // bare token
    const start = pos;
    let p = pos + 1;
    while (p < n) {
      const d = text.charCodeAt(p);
      if (d === 32 || d === 9 || d === 10 || d === 13 || d === 11 || d === 12) break;
      p++;
    }
    pos = p;
    if (c === 95 /* _ */) {
      onTag(text.slice(start, p), tline);
      continue;
    }
    const kw = reservedWord(text, start, p);
    if (kw !== null) {
      onReserved(kw, kw === 'data' ? text.slice(start + 5, p) : kw === 'save' ? text.slice(start + 5, p) : '', tline);
      continue;
    }
    onValue(text.slice(start, p), tline);
  }

  // end of text
  if (loop !== null && block !== null) {
    const lp: CifLoop = loop;
    const nt = lp.tags.length;
    if (nt > 0 && lp.values.length % nt !== 0) {
      lp.complete = false;
      (block as CifBlock).truncated ??= {
        line: lp.rowLines[lp.rowLines.length - 1] ?? lp.line,
        reason: `file ends inside a loop row (loop at line ${lp.line}: ${lp.values.length} values for ${nt} tags)`,
      };
    } else if (nt > 0 && lp.values.length === 0) {
      (block as CifBlock).truncated ??= { line: lp.line, reason: `file ends after the tags of the loop at line ${lp.line}, before its values` };
    }
    loop = null;
  }
  if (pendingTag !== null && block !== null) {
    (block as CifBlock).truncated ??= { line: pendingTagLine, reason: `file ends after tag ${pendingTag}, before its value` };
  }
  if (beforeFirstBlock > 0) docWarnings.push(`${beforeFirstBlock} tokens before the first data_ block were ignored`);
  return { blocks, warnings: docWarnings };

  function dropOpenState(): void {
    // truncated inside a value: the block is already marked; forget the open loop and tag
    loop = null;
    pendingTag = null;
  }
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** Lower-case, '.' -> '_'. Fast path when nothing changes. */
export function normaliseTag(raw: string): string {
  let needs = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c === 46) {
      needs = true;
      break;
    }
  }
  if (!needs) return raw;
  let t = raw.toLowerCase();
  if (t.indexOf('.') >= 0) t = t.replace(/\./g, '_');
  return t;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function matchesCI(text: string, start: number, word: string): boolean {
  if (start + word.length > text.length) return false;
  for (let i = 0; i < word.length; i++) if (lower(text.charCodeAt(start + i)) !== word.charCodeAt(i)) return false;
  return true;
}

function reservedWord(text: string, start: number, end: number): 'data' | 'loop' | 'global' | 'save' | 'stop' | null {
  const c = lower(text.charCodeAt(start));
  const len = end - start;
  if (c === 100 /* d */ && len >= 5 && matchesCI(text, start, 'data_')) return 'data';
  if (c === 108 /* l */ && len === 5 && matchesCI(text, start, 'loop_')) return 'loop';
  if (c === 103 /* g */ && len === 7 && matchesCI(text, start, 'global_')) return 'global';
  if (c === 115 /* s */ && len >= 5 && matchesCI(text, start, 'save_')) return 'save';
  if (c === 115 && len === 5 && matchesCI(text, start, 'stop_')) return 'stop';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Access helpers

/** A column of a loop, or a scalar seen as a one-row column. */
export interface CifColumn {
  readonly values: readonly string[];
  /** Line of each value. */
  readonly lines: readonly number[];
  readonly loop: CifLoop | null;
}

export function getColumn(block: CifBlock, tag: string): CifColumn | undefined {
  const item = block.items.get(tag);
  if (item === undefined) return undefined;
  if (item.kind === 'scalar') return { values: [item.scalar.value], lines: [item.scalar.line], loop: null };
  const lp = item.loop;
  const nt = lp.tags.length;
  const rows = Math.floor(lp.values.length / nt);
  const values: string[] = new Array<string>(rows);
  for (let r = 0; r < rows; r++) values[r] = lp.values[r * nt + item.column];
  return { values, lines: lp.rowLines, loop: lp };
}

/** First value of a tag (scalar or first row of a loop), with its line. */
export function getScalar(block: CifBlock, tag: string): CifScalar | undefined {
  const item = block.items.get(tag);
  if (item === undefined) return undefined;
  if (item.kind === 'scalar') return item.scalar;
  const lp = item.loop;
  if (lp.values.length <= item.column) return undefined;
  return { value: lp.values[item.column], line: lp.rowLines[0] ?? lp.line };
}
