/**
 * The most UTF-16 units of a photo post's title
 * (content-posting-api-reference-photo-post: "The maximum length for photo
 * posts is 90 in UTF-16 runes").
 */
export const MAX_TITLE_LENGTH = 90;

/** The most UTF-16 units of a photo post's description (same page: 4000). */
export const MAX_DESCRIPTION_LENGTH = 4000;

/** A photo post's title and description; either absent when there is nothing to put there. */
export interface PhotoPostText {
  readonly title?: string;
  readonly description?: string;
}

const ELLIPSIS = '…';

/** `text` cut to at most `max` UTF-16 units at a word boundary, with an ellipsis; never splits a surrogate pair. */
function cutAtWord(text: string, max: number): string {
  let end = max - ELLIPSIS.length;
  // A high surrogate at the cut would leave half an emoji.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  const head = text.slice(0, end);
  const space = head.search(/\s\S*$/);
  // Only a word boundary in the second half: a title of three letters says less than a cut word.
  const cut = space >= max / 2 ? head.slice(0, space) : head;
  return `${cut.trimEnd()}${ELLIPSIS}`;
}

/**
 * A post's text as a TikTok photo post's title and description. Araldo's post
 * has one text; TikTok shows a short title above the photos and the
 * description below. The title is the text's first line: whole when it fits
 * in MAX_TITLE_LENGTH, and then the description is the lines after it (none
 * when there are none, so a one-line post is not shown twice); cut at a word
 * boundary with an ellipsis when longer, and then the description is the
 * whole text, so nothing is lost. The proposal's check keeps the text within
 * MAX_DESCRIPTION_LENGTH. Pure.
 */
export function toPhotoPostText(text: string): PhotoPostText {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  const newline = trimmed.search(/\r?\n/);
  const firstLine = (newline === -1 ? trimmed : trimmed.slice(0, newline)).trim();
  const rest = newline === -1 ? '' : trimmed.slice(newline).trim();
  if (firstLine.length <= MAX_TITLE_LENGTH) {
    return rest === '' ? { title: firstLine } : { title: firstLine, description: rest };
  }
  return { title: cutAtWord(firstLine, MAX_TITLE_LENGTH), description: trimmed };
}
