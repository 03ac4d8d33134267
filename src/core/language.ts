/** The languages Araldo speaks to its users. Italian is the default. */
export const LANGUAGES = ['it', 'en'] as const;

/** A language of the message catalog. */
export type Language = (typeof LANGUAGES)[number];
