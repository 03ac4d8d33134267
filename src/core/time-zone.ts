import { IANAZone } from 'luxon';
import { AppError } from './app-error.ts';

// Checking a zone name builds an Intl.DateTimeFormat: done on every card,
// time read and posting-window check, it was a measurable share of a
// burst's CPU. A team's zone is checked once per process, then reused.
const zones = new Map<string, IANAZone>();

/** The IANA zone of that name, checked once and reused; an unknown name is a configuration error. */
export function ianaZone(timeZone: string): IANAZone {
  const known = zones.get(timeZone);
  if (known) return known;
  if (!IANAZone.isValidZone(timeZone)) {
    throw new AppError('config_invalid', `Unknown IANA time zone: ${JSON.stringify(timeZone)}`);
  }
  const zone = IANAZone.create(timeZone) as IANAZone;
  zones.set(timeZone, zone);
  return zone;
}
