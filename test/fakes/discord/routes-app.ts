import { DISCORD_ERRORS } from './errors.ts';
import { commandJson, memberJson, roleJson, userJson } from './payloads.ts';
import type { RouteDeps, RouteSpec } from './rest.ts';

// The bot's own account, the gateway's address, guild commands, and the guild
// reads an adapter makes (a member's roles, the guild's roles):
// https://discord.com/developers/docs/events/gateway#get-gateway-bot,
// https://discord.com/developers/docs/interactions/application-commands#bulk-overwrite-guild-application-commands,
// https://discord.com/developers/docs/resources/guild#get-guild-member.

/** Chat input command names: lower case letters, digits, `-` and `_`, 1-32 of them. */
const COMMAND_NAME = /^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u;

export function appRoutes(deps: RouteDeps, options: { gatewayUrl: () => string }): RouteSpec[] {
  const { state } = deps;
  const guildOrThrow = (id: string | undefined) => {
    const guild = id === undefined ? undefined : state.guild(id);
    if (!guild) throw DISCORD_ERRORS.unknownGuild();
    return guild;
  };
  const ownApplication = (id: string | undefined) => {
    // Another application's commands are out of the bot's reach.
    if (id !== state.applicationId) throw DISCORD_ERRORS.missingAccess();
  };
  return [
    {
      route: 'GET /gateway/bot',
      auth: true,
      // The URL without a query: @discordjs/ws appends `?v=10&encoding=json` itself.
      handle: () => ({
        status: 200,
        body: {
          url: options.gatewayUrl(),
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        },
      }),
    },
    { route: 'GET /users/@me', auth: true, handle: () => ({ status: 200, body: userJson(state.bot) }) },
    {
      route: 'GET /applications/@me',
      auth: true,
      handle: () => ({
        status: 200,
        body: {
          id: state.applicationId,
          name: state.bot.username,
          icon: null,
          description: '',
          bot_public: false,
          bot_require_code_grant: false,
          verify_key: '0'.repeat(64),
          flags: 0,
          bot: userJson(state.bot),
          team: null,
        },
      }),
    },
    {
      route: 'GET /applications/{application_id}/guilds/{guild_id}/commands',
      auth: true,
      handle: ({ params }) => {
        ownApplication(params.application_id);
        const guild = guildOrThrow(params.guild_id);
        return { status: 200, body: state.commandsOf(guild.id).map((c) => commandJson(state, c)) };
      },
    },
    {
      route: 'PUT /applications/{application_id}/guilds/{guild_id}/commands',
      auth: true,
      handle: ({ params, body }) => {
        ownApplication(params.application_id);
        const guild = guildOrThrow(params.guild_id);
        if (!Array.isArray(body))
          throw DISCORD_ERRORS.invalidForm('_root', 'LIST_TYPE_CONVERT', 'Must be an array.');
        const definitions = body.map((item: unknown, index) => {
          const command = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
          const type = command.type ?? 1;
          const name = typeof command.name === 'string' ? command.name : '';
          if (type === 1 && !COMMAND_NAME.test(name)) {
            throw DISCORD_ERRORS.invalidForm(
              `${index}.name`,
              'APPLICATION_COMMAND_INVALID_NAME',
              'Command name is invalid',
            );
          }
          const description = typeof command.description === 'string' ? command.description : '';
          if (type === 1 && (description.length < 1 || description.length > 100)) {
            throw DISCORD_ERRORS.invalidForm(
              `${index}.description`,
              'BASE_TYPE_BAD_LENGTH',
              'Must be between 1 and 100 in length.',
            );
          }
          return command;
        });
        const commands = state.overwriteCommands(guild.id, definitions);
        return { status: 200, body: commands.map((c) => commandJson(state, c)) };
      },
    },
    {
      route: 'GET /guilds/{guild_id}/members/{user_id}',
      auth: true,
      handle: ({ params }) => {
        const member = guildOrThrow(params.guild_id).members.get(params.user_id ?? '');
        if (!member) throw DISCORD_ERRORS.unknownMember();
        return { status: 200, body: memberJson(state, member) };
      },
    },
    {
      route: 'GET /guilds/{guild_id}/roles',
      auth: true,
      handle: ({ params }) => ({
        status: 200,
        body: [...guildOrThrow(params.guild_id).roles.values()].map(roleJson),
      }),
    },
  ];
}
