import type { Language } from '../core/language.ts';
import type { PublishOutcome } from '../core/publish-outcome.ts';
import type { ImageProblem } from './image-download.ts';
import { rejected } from './rejected.ts';

// The outcomes of a post's images that fail before anything reaches the
// network (too many, an alt text too long, an image that cannot be had),
// shared by the networks that upload images. Each network states its own
// limits, with their source, in its outcome.ts.

/** What a network takes of a post's images, as its outcomes name it. */
export interface ImageRules {
  /** the network's name, in the team's words and in the logs: `Mastodon` */
  readonly network: string;
  /** the most images one post carries */
  readonly maxImages: number;
  /** the longest alt text, in code points */
  readonly maxAltLength: number;
  /** the most bytes of one image (a whole number of MB) */
  readonly maxBytes: number;
  /**
   * Whose `maxBytes` is: the network's documented limit, or Araldo's own
   * bound where the network documents none (the team is then not told it
   * is the network's).
   */
  readonly sizeLimit: 'network' | 'araldo';
  /** the formats the network takes, as the team reads them: `JPEG, PNG o WebP` */
  readonly formats: Readonly<Record<Language, string>>;
}

/** Words for the team (shown inside the core's words for each code), in its language. */
const WORDS = {
  it: {
    image: (n: number, what: string) => `immagine ${n}: ${what}`,
    badUrl: "l'indirizzo non è un URL http o https",
    unknownHost: (host: string) => `il sito ${host} non esiste (controlla l'indirizzo dell'immagine)`,
    imageStatus: (status: number) => `il suo indirizzo risponde HTTP ${status}`,
    overLimit: (network: string, size: string, mb: string | undefined) =>
      mb === undefined
        ? `è più grande del limite di ${size} di ${network}`
        : `pesa ${mb} MB, oltre il limite di ${size} di ${network}`,
    overBound: (size: string) => `è più grande di ${size}`,
    notImage: (formats: string, type: string) =>
      `non è un'immagine ${formats} (il server la dichiara ${type})`,
    altTooLong: (network: string, n: number, length: number, max: number) =>
      `il testo alternativo dell'immagine ${n} ha ${length} caratteri, ${network} ne accetta al massimo ${max}`,
    tooManyImages: (network: string, max: number, count: number) =>
      `${network} accetta al massimo ${max} immagini per post, questo ne ha ${count}`,
  },
  en: {
    image: (n: number, what: string) => `image ${n}: ${what}`,
    badUrl: 'its address is no http or https URL',
    unknownHost: (host: string) => `the site ${host} does not exist (check the image's address)`,
    imageStatus: (status: number) => `its address answers HTTP ${status}`,
    overLimit: (network: string, size: string, mb: string | undefined) =>
      mb === undefined
        ? `it is larger than ${network}'s ${size} limit`
        : `it weighs ${mb} MB, over ${network}'s ${size} limit`,
    overBound: (size: string) => `it is larger than ${size}`,
    notImage: (formats: string, type: string) => `not a ${formats} image (its server calls it ${type})`,
    altTooLong: (network: string, n: number, length: number, max: number) =>
      `the alt text of image ${n} has ${length} characters, ${network} takes at most ${max}`,
    tooManyImages: (network: string, max: number, count: number) =>
      `${network} takes at most ${max} images per post, this one has ${count}`,
  },
} as const satisfies Record<Language, unknown>;

/** The team's words about the `image`-th (1-based) image of a post: `immagine 2: …`. Pure. */
export function aboutImage(image: number, what: string, language: Language): string {
  return WORDS[language].image(image, what);
}

/**
 * The outcome of the `image`-th (1-based) image that could not be fetched or
 * is not one the network takes: its server failing or busy for now (5xx,
 * 408, 429), unreachable, or the attempt's time running out is
 * `unavailable`; anything else `media_unreachable`, in words the team can
 * act on. Pure.
 */
export function fromImageProblem(
  problem: ImageProblem,
  image: number,
  rules: ImageRules,
  language: Language,
): PublishOutcome {
  const words = WORDS[language];
  const size = `${rules.maxBytes / (1024 * 1024)} MB`;
  const refused = (what: string, detail: string) =>
    rejected('media_unreachable', `image ${image}: ${detail}`, words.image(image, what));
  switch (problem.kind) {
    case 'aborted':
      return { kind: 'unavailable', detail: `image ${image}: the attempt's time ran out while fetching it` };
    case 'bad_url':
      return refused(words.badUrl, 'not an http(s) URL');
    case 'http_status':
      // The image's server failing or busy for now (a deploy, a rate limit) is worth another try.
      if (problem.status >= 500 || problem.status === 408 || problem.status === 429) {
        return { kind: 'unavailable', detail: `image ${image}: its URL answered HTTP ${problem.status}` };
      }
      return refused(words.imageStatus(problem.status), `its URL answered HTTP ${problem.status}`);
    case 'too_big': {
      const mb = problem.bytes === undefined ? undefined : (problem.bytes / (1024 * 1024)).toFixed(1);
      return refused(
        rules.sizeLimit === 'network' ? words.overLimit(rules.network, size, mb) : words.overBound(size),
        `larger than ${size} (${problem.bytes ?? 'more than declared'} bytes)`,
      );
    }
    case 'not_an_image': {
      const bytesSay = problem.sniffedType === undefined ? '' : `; its bytes are ${problem.sniffedType}`;
      return refused(
        words.notImage(rules.formats[language], problem.contentType),
        `not an image ${rules.network} takes (its server calls it ${problem.contentType}${bytesSay})`,
      );
    }
    case 'unreachable':
      // A name no DNS knows is a typo in the address, not a server down for
      // now: retrying for half an hour would only hide it.
      if (problem.code === 'ENOTFOUND' && problem.host !== undefined) {
        return refused(words.unknownHost(problem.host), `its host ${problem.host} is not known to DNS`);
      }
      // A refused or dropped connection to the image's server is usually over in minutes.
      return { kind: 'unavailable', detail: `image ${image}: could not be fetched (${problem.code})` };
  }
}

/**
 * What a post the network cannot take says before anything is sent: more
 * images than `rules.maxImages`, or an alt text longer than
 * `rules.maxAltLength` code points (the first such image). Undefined when
 * the post fits. Pure.
 */
export function refuseBeforeSending(
  images: readonly { readonly alt: string }[],
  rules: ImageRules,
  language: Language,
): PublishOutcome | undefined {
  const words = WORDS[language];
  const { network, maxImages, maxAltLength } = rules;
  if (images.length > maxImages) {
    return rejected(
      'content_refused',
      `${images.length} images, over ${maxImages}`,
      words.tooManyImages(network, maxImages, images.length),
    );
  }
  for (const [index, image] of images.entries()) {
    const length = [...image.alt].length;
    if (length > maxAltLength) {
      return rejected(
        'content_refused',
        `image ${index + 1}: alt text of ${length} characters, over ${maxAltLength}`,
        words.altTooLong(network, index + 1, length, maxAltLength),
      );
    }
  }
  return undefined;
}
