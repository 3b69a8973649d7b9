import type { Request, Response } from 'express';

export type CsvRow = Record<string, unknown>;

/** A cell a spreadsheet would run as a formula (`=`, `+`, `@`, or `-` that is not a plain number) gets a leading `'`. */
const FORMULA_START = /^[=+@\t\r]|^-(?!\d+$)/;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180: a header line, then one line per row, CRLF; objects as JSON text. */
export function toCsv(columns: readonly string[], rows: readonly CsvRow[]): string {
  const lines = [columns.map(cell).join(','), ...rows.map((row) => columns.map((c) => cell(row[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** `Accept: text/csv` (preferred over JSON) asks for CSV; anything else gets JSON. */
export function wantsCsv(req: Request): boolean {
  return req.accepts(['application/json', 'text/csv']) === 'text/csv';
}

/**
 * One list in the representation asked for. JSON: `{ data, nextCursor, …extra }`; CSV: the same rows
 * (flattened by the caller where JSON nests), the next cursor in `X-Next-Cursor` for both.
 */
export function sendList(req: Request, res: Response, list: { columns: readonly string[]; rows: readonly CsvRow[]; csvRows?: readonly CsvRow[]; nextCursor?: string | null; extra?: Record<string, unknown> }): void {
  if (list.nextCursor) res.setHeader('X-Next-Cursor', list.nextCursor);
  res.vary('Accept');
  if (wantsCsv(req)) {
    res.status(200).type('text/csv; charset=utf-8').send(toCsv(list.columns, list.csvRows ?? list.rows));
    return;
  }
  res.status(200).json({ ...list.extra, data: list.rows, ...(list.nextCursor !== undefined ? { nextCursor: list.nextCursor } : {}) });
}
