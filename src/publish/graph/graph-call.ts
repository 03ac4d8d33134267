import type { Logger, PublishRequest } from '../../core/ports.ts';
import type { Attempted } from '../attempted.ts';
import { describeRequestError } from '../request-error.ts';
import type { GraphAnswer, GraphClient, GraphParams } from './graph-client.ts';
import {
  fromGraphAnswer,
  fromRequestFailure,
  type GraphCallContext,
  type ObjectSetting,
} from './graph-error.ts';

/** What one Graph call of a publication is. */
export interface GraphStep extends GraphCallContext {
  /** true for the call that makes the post public: no answer to it is `unknown` */
  readonly publishing: boolean;
  /** error answers the caller reads itself instead of their mapped outcome */
  readonly accept?: (answer: GraphAnswer) => boolean;
}

/**
 * Makes one Graph call of a publication: its answer when 2xx (or accepted), else the
 * outcome of its error answer (graph-error.ts), or of no answer at all.
 * Never throws.
 */
export async function graphStep(
  step: GraphStep,
  logger: Logger,
  signal: AbortSignal,
  call: (signal: AbortSignal) => Promise<GraphAnswer>,
): Promise<Attempted<GraphAnswer>> {
  if (signal.aborted) {
    return {
      ok: false,
      outcome: {
        kind: 'unavailable',
        detail: `${step.endpoint}: the attempt’s time ran out before it was sent`,
      },
    };
  }
  let answer: GraphAnswer;
  try {
    answer = await call(signal);
  } catch (error) {
    const failure = describeRequestError(error);
    logger.warn({ step: step.endpoint, code: failure.code, err: error }, 'graph request got no answer');
    return {
      ok: false,
      outcome: fromRequestFailure(step.endpoint, failure, signal.aborted, step.publishing),
    };
  }
  if ((answer.status >= 200 && answer.status < 300) || step.accept?.(answer) === true) {
    return { ok: true, value: answer };
  }
  return { ok: false, outcome: fromGraphAnswer(answer, step) };
}

/** A Graph call of a publication: its path and parameters, sent as a GET or (by default) a POST. */
export interface GraphRequest {
  readonly path: string;
  readonly params: GraphParams;
  readonly get?: boolean;
}

/** The step of a publication to the object `setting` names, in the team's language. Pure. */
export function publicationStep(
  request: PublishRequest,
  setting: ObjectSetting,
  endpoint: string,
  publishing: boolean,
  image?: number,
): GraphStep {
  return {
    endpoint,
    publishing,
    language: request.team.language,
    setting,
    ...(image === undefined ? {} : { image }),
  };
}

/** Sends `call` through `client` as `step` of the publication of `request` (graphStep), logged with its delivery. */
export function graphRequest(
  client: GraphClient,
  logger: Logger,
  request: PublishRequest,
  signal: AbortSignal,
  step: GraphStep,
  call: GraphRequest,
): Promise<Attempted<GraphAnswer>> {
  return graphStep(step, logger.child({ delivery: request.deliveryId }), signal, (s) =>
    call.get ? client.get(call.path, call.params, s) : client.post(call.path, call.params, s),
  );
}
