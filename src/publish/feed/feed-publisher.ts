import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { t } from '../../core/i18n/translate.ts';
import type { Publisher, PublishRequest } from '../../core/ports.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import { type FeedEntry, renderAtom } from './atom.ts';

/** How many entries the XML document shows; older ones stay in the state file. */
const ENTRIES_IN_DOCUMENT = 100;

/** Where a feed target writes and how it is reached from outside. */
export interface FeedPublisherOptions {
  /** folder of `<target>.xml` and its state file (DATA_DIR/feeds) */
  readonly directory: string;
  readonly targetId: string;
  readonly title: string;
  /** the public base URL of Araldo's HTTP server, without trailing slash */
  readonly publicUrl: string;
}

/** The file a feed target is written to. */
export function feedFileName(targetId: string): string {
  return `${targetId}.xml`;
}

async function writeAtomically(path: string, content: string): Promise<void> {
  // pid alone collides between containers that are all pid 1 on one volume.
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, content, 'utf8');
  await rename(temporary, path);
}

/**
 * The `feed` network: publishing appends an entry to an Atom feed file that
 * the institutional website reads. Idempotent: the entry id is the delivery
 * id, so a delivery sent again after a crash finds its entry and adds none.
 */
export class FeedPublisher implements Publisher {
  readonly idempotent = true;
  readonly #options: FeedPublisherOptions;
  // One writer at a time per feed file within this process.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: FeedPublisherOptions) {
    this.#options = options;
  }

  get #xmlPath(): string {
    return join(this.#options.directory, feedFileName(this.#options.targetId));
  }

  get #statePath(): string {
    return join(this.#options.directory, `${this.#options.targetId}.entries.json`);
  }

  async #readEntries(): Promise<FeedEntry[]> {
    try {
      return JSON.parse(await readFile(this.#statePath, 'utf8')) as FeedEntry[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  publish(request: PublishRequest, _signal: AbortSignal): Promise<PublishOutcome> {
    const run = this.#queue.then(() => this.#append(request));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #append(request: PublishRequest): Promise<PublishOutcome> {
    const { directory, targetId, title, publicUrl } = this.#options;
    const entryId = `urn:araldo:delivery:${request.deliveryId}`;
    const selfUrl = `${publicUrl}/feeds/${feedFileName(targetId)}`;
    try {
      await mkdir(directory, { recursive: true });
      const entries = await this.#readEntries();
      const head = { id: `urn:araldo:feed:${targetId}`, title, selfUrl, language: request.team.language };
      const existing = entries.find((entry) => entry.id === entryId);
      if (existing) {
        // A retry after a crash: the entry is recorded, the document may not be.
        await writeAtomically(
          this.#xmlPath,
          renderAtom(head, entries.slice(0, ENTRIES_IN_DOCUMENT), existing.published),
        );
        return { kind: 'published', remoteId: existing.id, url: existing.url };
      }
      const entry: FeedEntry = {
        id: entryId,
        postNumber: request.postNumber,
        text: request.text,
        images: request.images.map((image) => ({ url: image.url, alt: image.alt })),
        author: request.target.displayName,
        published: request.publishedAt.toISOString(),
        url: `${selfUrl}#post-${request.postNumber}-${request.deliveryId.slice(0, 8)}`,
      };
      const next = [entry, ...entries];
      // State first: if the process dies between the two writes, the retry
      // finds the entry and rewrites the document.
      await writeAtomically(this.#statePath, JSON.stringify(next));
      await writeAtomically(
        this.#xmlPath,
        renderAtom(head, next.slice(0, ENTRIES_IN_DOCUMENT), entry.published),
      );
      return { kind: 'published', remoteId: entry.id, url: entry.url };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A full or read-only disk needs a person; anything else may pass.
      if (code === 'ENOSPC' || code === 'EROFS' || code === 'EACCES') {
        return { kind: 'rejected', reason: t(request.team.language, 'feed.not_writable', { code }) };
      }
      const detail = code ?? (error as Error).message;
      return { kind: 'unavailable', reason: t(request.team.language, 'feed.write_failed', { code: detail }) };
    }
  }
}
