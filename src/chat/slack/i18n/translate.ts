import { chatTranslator } from '../../chat-catalog.ts';
import { en } from './en.ts';
import { it } from './it.ts';

/** Slack's catalogs by language, for completeness checks. */
export const SLACK_CATALOGS = { it, en } as const;

/** Slack's messages: its own words (forms, buttons, Home tab), then the core's. */
export const t = chatTranslator(SLACK_CATALOGS);
