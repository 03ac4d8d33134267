import type { AuditEvent } from './audit-event.ts';

const HEADER = [
  'id',
  'at_utc',
  'team',
  'post_number',
  'post_id',
  'actor_id',
  'actor_name',
  'action',
  'details',
];

/** One CSV field per RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV record, CRLF-terminated as RFC 4180 asks. */
export function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/**
 * Audit events as an RFC 4180 CSV document in UTF-8, header first, for
 * transparency requests. Details are kept whole as JSON, never trimmed; the
 * optional byte-order mark lets spreadsheet programs recognise UTF-8.
 */
export function toAuditCsv(events: readonly AuditEvent[], options: { bom: boolean }): string {
  const rows = events.map((event) =>
    csvRecord([
      String(event.id),
      event.at.toISOString(),
      event.teamId,
      event.postNumber === undefined ? '' : String(event.postNumber),
      event.postId ?? '',
      event.actorId,
      event.actorName,
      event.action,
      JSON.stringify(event.details),
    ]),
  );
  return `${options.bom ? '\uFEFF' : ''}${csvRecord(HEADER)}${rows.join('')}`;
}
