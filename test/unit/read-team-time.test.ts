import { describe, expect, it } from 'vitest';
import type { DeskContext } from '../../src/core/desk-context.ts';
import { en as EN } from '../../src/core/i18n/en.ts';
import { it as IT } from '../../src/core/i18n/it.ts';
import { t } from '../../src/core/i18n/translate.ts';
import type { Language } from '../../src/core/language.ts';
import { readTeamTime } from '../../src/core/read-team-time.ts';
import type { Team } from '../../src/core/team.ts';

function team(language: Language): Team {
  return {
    id: 'comune',
    chat: 'shell',
    channel: '#social',
    language,
    timeZone: 'Europe/Rome',
    approvers: ['supervisor'],
    approvalsRequired: 1,
    targets: ['sito'],
    posting: {},
    digest: { time: '08:30', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
  };
}

function at(now: string): Pick<DeskContext, 'now' | 'msg'> {
  return { now: () => new Date(now), msg: (forTeam, key, ...args) => t(forTeam.language, key, ...args) };
}

/** Saturday 21 November 2026, 11:00 CET. */
const SATURDAY_LATE_MORNING = '2026-11-21T10:00:00Z';
/** Saturday 21 November 2026, 15:00 CET. */
const SATURDAY_AFTERNOON = '2026-11-21T14:00:00Z';

describe('readTeamTime with parts of the day', () => {
  it('reads "domattina" as tomorrow 09:00 with no remark', () => {
    expect(readTeamTime(at(SATURDAY_LATE_MORNING), team('it'), 'domattina')).toEqual({
      ok: true,
      value: { at: new Date('2026-11-22T08:00:00Z'), notes: [] },
    });
  });

  it('refuses "stamattina" in the afternoon as past, echoing 09:00 today', () => {
    expect(readTeamTime(at(SATURDAY_AFTERNOON), team('it'), 'stamattina')).toEqual({
      ok: false,
      error: IT['time.in_past']({
        input: 'stamattina',
        when: 'sabato 21 novembre 2026, 09:00 (Europe/Rome, CET)',
      }),
    });
  });

  it('refuses an hour outside the part of the day with that part’s hours, in Italian', () => {
    expect(readTeamTime(at(SATURDAY_LATE_MORNING), team('it'), 'domattina alle 20')).toEqual({
      ok: false,
      error: IT['time.day_part_mismatch']({
        input: 'domattina alle 20',
        part: 'la mattina',
        from: '00:00',
        to: '11:59',
      }),
    });
    expect(readTeamTime(at(SATURDAY_LATE_MORNING), team('it'), 'stasera alle 3')).toEqual({
      ok: false,
      error: IT['time.day_part_mismatch']({
        input: 'stasera alle 3',
        part: 'la sera',
        from: '17:00',
        to: '24:00',
      }),
    });
  });

  it('refuses an hour outside the part of the day with that part’s hours, in English', () => {
    expect(readTeamTime(at(SATURDAY_LATE_MORNING), team('en'), 'tonight at 7am')).toEqual({
      ok: false,
      error: EN['time.day_part_mismatch']({
        input: 'tonight at 7am',
        part: '"tonight"',
        from: '17:00',
        to: '05:59',
      }),
    });
    expect(readTeamTime(at(SATURDAY_LATE_MORNING), team('en'), 'stanotte alle 9')).toEqual({
      ok: false,
      error:
        'The time "stanotte alle 9" does not add up: the night runs from 22:00 to 05:59. Write an hour in that range, or the hour from 0 to 23 without the part of the day, for example "tomorrow at 20:00".',
    });
  });
});
