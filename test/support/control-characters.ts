import fc from 'fast-check';

/**
 * Any one character Araldo refuses in a person's text: a C0 control other
 * than tab and line feed, DEL, or a C1 control (src/core/text-check.ts).
 */
export const controlChar = fc
  .oneof(
    fc.integer({ min: 0x00, max: 0x1f }).filter((c) => c !== 0x09 && c !== 0x0a),
    fc.constant(0x7f),
    fc.integer({ min: 0x80, max: 0x9f }),
  )
  .map((codePoint) => String.fromCodePoint(codePoint));
