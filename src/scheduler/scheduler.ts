import schedule from 'node-schedule';
import type { Logger } from '../core/ports.ts';

/** What the scheduler wakes: one round of publishing, returning the next due time. */
export type Tick = (now: Date) => Promise<Date | undefined>;

/** A daily job in a team's zone: the digest. */
export interface DailyJob {
  /** local 'HH:MM' */
  readonly time: string;
  /** node-schedule day numbers, 0 = Sunday */
  readonly days: readonly number[];
  readonly timeZone: string;
  readonly run: () => Promise<unknown>;
}

/** setTimeout holds at most 2^31-1 ms (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Scheduler timing. */
export interface SchedulerOptions {
  /**
   * Safety poll: the database is the truth and other replicas schedule work
   * too, so the scheduler also looks every so often (cron, seconds field).
   */
  readonly pollCron: string;
  readonly now: () => Date;
}

/**
 * The thin layer that wakes the core: one timer at the next due time (from
 * the core), one safety poll, and rounds that never overlap. The database
 * stays the truth; timers only wake the process.
 */
export class Scheduler {
  readonly #tick: Tick;
  readonly #logger: Logger;
  readonly #options: SchedulerOptions;
  #timer: NodeJS.Timeout | undefined;
  #timerAt: Date | undefined;
  #poll: schedule.Job | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(tick: Tick, logger: Logger, options: SchedulerOptions) {
    this.#tick = tick;
    this.#logger = logger;
    this.#options = options;
  }

  #daily: schedule.Job[] = [];

  /** starts polling and runs a first round at once (late posts are published on start) */
  start(): Promise<void> {
    this.#poll = schedule.scheduleJob(this.#options.pollCron, () => {
      void this.runNow();
    });
    return this.runNow();
  }

  /**
   * Runs `job` every listed day at its local time, in its zone (so 08:30
   * stays 08:30 across daylight-saving changes). Failures are logged. These
   * timers follow the system clock; every round also sends what is due by
   * the injected clock, so a digest is at most one poll late when the two
   * differ (ARALDO_CLOCK_START).
   */
  daily(job: DailyJob): void {
    const [hour, minute] = job.time.split(':').map((part) => Number.parseInt(part, 10));
    const rule = new schedule.RecurrenceRule();
    rule.hour = hour ?? 8;
    rule.minute = minute ?? 30;
    rule.second = 0;
    rule.dayOfWeek = [...job.days];
    rule.tz = job.timeZone;
    this.#daily.push(
      schedule.scheduleJob(rule, () => {
        job.run().catch((error: unknown) => this.#logger.error({ err: error }, 'daily job failed'));
      }),
    );
  }

  /**
   * Asks for a round at `at` (at once when it has passed). The wait is
   * measured on the injected clock, not the system's, so a clock that starts
   * elsewhere (ARALDO_CLOCK_START) still wakes on time. Waits longer than a
   * timer can hold are cut short: the round that wakes sets the next one.
   */
  wake(at: Date): void {
    if (this.#stopped) return;
    const delay = at.getTime() - this.#options.now().getTime();
    if (delay <= 0) {
      void this.runNow();
      return;
    }
    if (this.#timerAt && this.#timerAt.getTime() <= at.getTime()) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = undefined;
        void this.runNow();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    // The safety poll keeps the process's work going; this timer alone must not keep it alive.
    this.#timer.unref();
  }

  /** runs a round now, or right after the one in progress; resolves when done */
  runNow(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      try {
        const next = await this.#tick(this.#options.now());
        if (next) this.wake(next);
      } catch (error) {
        // A database outage must not kill the process: the poll tries again.
        this.#logger.error({ err: error }, 'publishing round failed');
      }
    } while (this.#again && !this.#stopped);
  }

  /** stops the timers and waits for the round in progress */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#poll?.cancel();
    for (const job of this.#daily) job.cancel();
    await this.#running;
  }
}
