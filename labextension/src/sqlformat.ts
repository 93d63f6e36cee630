// Format SQL: a cell's (or a selection's) Spark SQL laid out by sql-formatter's Spark dialect.
// The cell's magic lines stay as they are; each statement is formatted on its own, so one the
// formatter cannot parse is left as written (and named) while the others are formatted; a SQL
// script (`BEGIN … END`) and what follows it are kept as written. Parameters (`${name}`,
// `:name`), comments and string literals are kept by the formatter.
// Must not: touch the notebook or the DOM (the command does), or change what a statement means.

import { formatDialect, FormatOptionsWithDialect, spark } from 'sql-formatter';

/** sql-formatter's Spark dialect, with `::` casts and `|>` pipes (Spark 4), and `transform(…)` the
 * higher-order function rather than Hive's `SELECT TRANSFORM … USING` clause. */
const SPARK = {
  ...spark,
  tokenizerOptions: {
    ...spark.tokenizerOptions,
    reservedClauses: spark.tokenizerOptions.reservedClauses.filter((c) => c !== 'TRANSFORM'),
    operators: [...(spark.tokenizerOptions.operators ?? []), '::', '|>'],
  },
};

export const OPTIONS: FormatOptionsWithDialect = {
  dialect: SPARK,
  tabWidth: 2,
  keywordCase: 'preserve',
  paramTypes: { custom: [{ regex: String.raw`\$\{[^{}]*\}` }], named: [':'] },
};

/** What formatting did. */
export interface Formatted {
  text: string;
  /** Statements left as written because the formatter could not read them: their first line. */
  unparsed: string[];
  /** Whether a script (BEGIN … END) was kept as written. */
  keptScript: boolean;
}

/** One statement of a cell: its text without the `;`, and whether a `;` ended it. */
interface Piece {
  text: string;
  ended: boolean;
}

/** Formats the SQL of `text` (a cell or a selection). */
export function formatSql(text: string): Formatted {
  const { magics, sql } = splitMagics(text);
  const done: Formatted = { text, unparsed: [], keptScript: false };
  if (!sql.trim()) {
    return done;
  }
  const parts: string[] = [];
  const pieces = statements(sql);
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    if (isScript(piece.text)) {
      // A script's inner `;` and all that follows stay as written.
      parts.push(
        pieces
          .slice(i)
          .map((p) => p.text + (p.ended ? ';' : ''))
          .join('')
          .trim(),
      );
      done.keptScript = true;
      break;
    }
    const body = piece.text.trim();
    if (!body) {
      continue;
    }
    let laid = body;
    try {
      laid = tightCalls(formatDialect(body, OPTIONS).trim(), calledTight(body));
    } catch {
      done.unparsed.push(body.split('\n')[0]);
    }
    parts.push(laid + (piece.ended ? ';' : ''));
  }
  done.text = magics + parts.join('\n\n') + (text.endsWith('\n') ? '\n' : '');
  return done;
}

/** The names written right before a `(` (`my_udf(`), lower-cased: the formatter does not know
 * every function (a UDF, a newer Spark's), and would write them apart (`my_udf (`). */
function calledTight(sql: string): Set<string> {
  const names = new Set<string>();
  scan(sql, (kind, chunk) => {
    if (kind === 'code') {
      for (const found of chunk.matchAll(/\b([A-Za-z_]\w*)\(/g)) {
        names.add(found[1].toLowerCase());
      }
    }
  });
  return names;
}

/** `name (` written back as `name(` for the names in `tight`, outside strings and comments. */
function tightCalls(sql: string, tight: Set<string>): string {
  let out = '';
  scan(sql, (kind, chunk) => {
    out +=
      kind === 'code'
        ? chunk.replace(/\b([A-Za-z_]\w*) \(/g, (all, name: string) =>
            tight.has(name.toLowerCase()) ? `${name}(` : all,
          )
        : chunk;
  });
  return out;
}

/** The leading magic lines (`%…`, `%%…`) and blank lines, kept whole, and the SQL after. */
function splitMagics(text: string): { magics: string; sql: string } {
  const lines = text.split('\n');
  let n = 0;
  while (n < lines.length && (lines[n].trimStart().startsWith('%') || !lines[n].trim())) {
    n++;
  }
  // Blank lines after the magics belong to the SQL (they are laid out again).
  while (n > 0 && !lines[n - 1].trim()) {
    n--;
  }
  const magics = lines.slice(0, n).join('\n');
  return { magics: n > 0 ? magics + '\n' : '', sql: lines.slice(n).join('\n') };
}

/** Whether a statement is a SQL script: `BEGIN`, or `label: BEGIN`, first. */
function isScript(statement: string): boolean {
  const words = withoutComments(statement).trim();
  return /^(?:[A-Za-z_][\w]*\s*:\s*)?BEGIN\b/i.test(words);
}

/** The text with its comments blanked. */
function withoutComments(text: string): string {
  let out = '';
  scan(text, (kind, chunk) => {
    out += kind === 'comment' ? ' '.repeat(chunk.length) : chunk;
  });
  return out;
}

/** The statements of `sql`, split at the `;` outside strings, names and comments. */
export function statements(sql: string): Piece[] {
  const pieces: Piece[] = [];
  let current = '';
  scan(sql, (kind, chunk) => {
    if (kind === 'semicolon') {
      pieces.push({ text: current, ended: true });
      current = '';
    } else {
      current += chunk;
    }
  });
  if (current.trim() || pieces.length === 0) {
    pieces.push({ text: current, ended: false });
  }
  return pieces;
}

type Chunk = 'code' | 'quoted' | 'comment' | 'semicolon';

/** Walks `text` in chunks: quoted text ('…', "…" with backslash escapes, `…`), comments
 * (`--`, nested `/* … *\/`), `;`, and code between. */
function scan(text: string, visit: (kind: Chunk, chunk: string) => void): void {
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    let end: number;
    let kind: Chunk;
    if (c === "'" || c === '"' || c === '`') {
      end = quotedEnd(text, i);
      kind = 'quoted';
    } else if (c === '-' && next === '-') {
      const newline = text.indexOf('\n', i);
      end = newline < 0 ? text.length : newline;
      kind = 'comment';
    } else if (c === '/' && next === '*') {
      end = blockCommentEnd(text, i);
      kind = 'comment';
    } else if (c === ';') {
      end = i + 1;
      kind = 'semicolon';
    } else {
      end = i + 1;
      while (end < text.length && !'\'"`;-/'.includes(text[end])) {
        end++;
      }
      kind = 'code';
    }
    visit(kind, text.slice(i, end));
    i = end;
  }
}

function quotedEnd(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === '\\' && quote !== '`') {
      i += 2;
    } else if (text[i] === quote) {
      return i + 1;
    } else {
      i++;
    }
  }
  return text.length;
}

function blockCommentEnd(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) {
        return i;
      }
    } else {
      i++;
    }
  }
  return text.length;
}
