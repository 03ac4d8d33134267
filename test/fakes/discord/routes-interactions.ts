import { DISCORD_ERRORS } from './errors.ts';
import { messageJson } from './payloads.ts';
import type { RouteDeps, RouteSpec } from './rest.ts';
import { asFields, createMessage, editMessage } from './routes-messages.ts';
import { type FakeCallback, type FakeInteraction, type FakeMessage, INTERACTION_TYPE } from './state.ts';

// Answers to interactions (https://discord.com/developers/docs/interactions/receiving-and-responding):
// - the first answer is a callback, POST /interactions/{id}/{token}/callback,
//   sent without Authorization; it must come within 3 s of the interaction
//   (else 10062 Unknown interaction) and only once (else 40060); Discord
//   answers 204 with no body, or with `with_response=true` 200 and the
//   interaction callback response object;
// - which callback types fit which interaction: 8 (autocomplete result) only
//   an autocomplete; an autocomplete nothing else; 6 and 7 (update the
//   message) only a component or a modal; 9 (modal) not a modal submit;
// - type 4 posts the original response; type 5 posts it "loading" (flag 128)
//   until PATCH /webhooks/{app}/{token}/messages/@original fills it in;
// - follow-ups, POST /webhooks/{app}/{token}, need the interaction answered
//   first, and `?wait=true` to get the message back (else 204).

/** Callback types (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type). */
const CALLBACK = {
  pong: 1,
  channelMessage: 4,
  deferredChannelMessage: 5,
  deferredUpdateMessage: 6,
  updateMessage: 7,
  autocompleteResult: 8,
  modal: 9,
} as const;

const ALLOWED_CALLBACKS: Readonly<Record<FakeInteraction['type'], readonly number[]>> = {
  [INTERACTION_TYPE.ping]: [CALLBACK.pong],
  [INTERACTION_TYPE.applicationCommand]: [
    CALLBACK.channelMessage,
    CALLBACK.deferredChannelMessage,
    CALLBACK.modal,
  ],
  [INTERACTION_TYPE.messageComponent]: [
    CALLBACK.channelMessage,
    CALLBACK.deferredChannelMessage,
    CALLBACK.deferredUpdateMessage,
    CALLBACK.updateMessage,
    CALLBACK.modal,
  ],
  [INTERACTION_TYPE.autocomplete]: [CALLBACK.autocompleteResult],
  [INTERACTION_TYPE.modalSubmit]: [
    CALLBACK.channelMessage,
    CALLBACK.deferredChannelMessage,
    CALLBACK.deferredUpdateMessage,
    CALLBACK.updateMessage,
  ],
};

/** An interaction token stays valid for follow-ups this long. */
const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

/** Message type of an answer to a chat input command. */
const CHAT_INPUT_COMMAND_MESSAGE = 20;

export function interactionRoutes(deps: RouteDeps, options: { ackDeadlineMs: number }): RouteSpec[] {
  const { state } = deps;

  /** The interaction a webhook call names by application id and token, live and answered. */
  const webhookInteraction = (params: Readonly<Record<string, string>>): FakeInteraction => {
    const interaction = [...state.interactions.values()].find((i) => i.token === params.interaction_token);
    if (
      params.application_id !== state.applicationId ||
      !interaction ||
      interaction.acknowledgedWith === undefined ||
      Date.now() - interaction.createdAt > TOKEN_LIFETIME_MS
    ) {
      throw DISCORD_ERRORS.unknownWebhook();
    }
    return interaction;
  };

  /** The original response or one of the follow-ups of an interaction. */
  const webhookMessage = (interaction: FakeInteraction, messageId: string | undefined): FakeMessage => {
    const id = messageId === '@original' ? interaction.originalMessageId : messageId;
    const known =
      id !== undefined && (id === interaction.originalMessageId || interaction.followUpIds.includes(id));
    const message = known ? state.messages.get(id) : undefined;
    if (!message) throw DISCORD_ERRORS.unknownMessage();
    return message;
  };

  const messageType = (interaction: FakeInteraction) =>
    interaction.type === INTERACTION_TYPE.applicationCommand ? CHAT_INPUT_COMMAND_MESSAGE : 0;

  return [
    {
      route: 'POST /interactions/{interaction_id}/{interaction_token}/callback',
      auth: false,
      handle: ({ params, body, files, query }) => {
        const interaction = state.interactions.get(params.interaction_id ?? '');
        if (!interaction || interaction.token !== params.interaction_token)
          throw DISCORD_ERRORS.unknownInteraction();
        if (interaction.acknowledgedWith !== undefined) throw DISCORD_ERRORS.alreadyAcknowledged();
        if (Date.now() - interaction.createdAt > options.ackDeadlineMs)
          throw DISCORD_ERRORS.unknownInteraction();
        const fields = asFields(body);
        const type = fields.type;
        if (typeof type !== 'number' || !ALLOWED_CALLBACKS[interaction.type].includes(type)) {
          throw DISCORD_ERRORS.invalidForm(
            'type',
            'INTERACTION_CALLBACK_TYPE_INVALID',
            'Invalid interaction callback type.',
          );
        }
        const data =
          typeof fields.data === 'object' && fields.data !== null ? asFields(fields.data) : undefined;
        let message: FakeMessage | undefined;
        if (type === CALLBACK.channelMessage || type === CALLBACK.deferredChannelMessage) {
          const deferred = type === CALLBACK.deferredChannelMessage;
          // A deferred answer is an empty message, loading (flag 128), until its first edit.
          const given = deferred ? { flags: data?.flags } : (data ?? {});
          message = createMessage(
            deps,
            interaction.channelId,
            given,
            deferred ? [] : files,
            {
              authorId: state.bot.id,
              type: messageType(interaction),
              webhookId: state.applicationId,
              interactionId: interaction.id,
              ...(deferred ? { flags: 128 } : {}),
            },
            { allowEmpty: deferred },
          );
          interaction.originalMessageId = message.id;
        }
        interaction.acknowledgedWith = type;
        const callback: FakeCallback = { interactionId: interaction.id, type, data, at: Date.now() };
        state.callbacks.push(callback);
        deps.events.emit('callback', callback);
        if (query.get('with_response') !== 'true') return { status: 204 };
        return {
          status: 200,
          body: {
            interaction: {
              id: interaction.id,
              type: interaction.type,
              ...(message
                ? {
                    response_message_id: message.id,
                    response_message_loading: (message.flags & 128) !== 0,
                    response_message_ephemeral: (message.flags & 64) !== 0,
                  }
                : {}),
            },
            resource: { type, ...(message ? { message: messageJson(state, message) } : {}) },
          },
        };
      },
    },
    {
      route: 'POST /webhooks/{application_id}/{interaction_token}',
      auth: false,
      handle: ({ params, body, files, query }) => {
        const interaction = webhookInteraction(params);
        const message = createMessage(deps, interaction.channelId, asFields(body), files, {
          authorId: state.bot.id,
          type: messageType(interaction),
          webhookId: state.applicationId,
          interactionId: interaction.id,
        });
        interaction.followUpIds.push(message.id);
        return query.get('wait') === 'true'
          ? { status: 200, body: messageJson(state, message) }
          : { status: 204 };
      },
    },
    {
      route: 'GET /webhooks/{application_id}/{interaction_token}/messages/{message_id}',
      auth: false,
      handle: ({ params }) => {
        const message = webhookMessage(webhookInteraction(params), params.message_id);
        return { status: 200, body: messageJson(state, message) };
      },
    },
    {
      route: 'PATCH /webhooks/{application_id}/{interaction_token}/messages/{message_id}',
      auth: false,
      handle: ({ params, body }) => {
        const message = webhookMessage(webhookInteraction(params), params.message_id);
        editMessage(deps, message, asFields(body));
        return { status: 200, body: messageJson(state, message) };
      },
    },
  ];
}
