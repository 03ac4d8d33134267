/**
 * The answer to a command, shown only to whoever typed it (ephemeral);
 * everything the team should see goes to the channel or thread instead.
 */
export interface CommandReply {
  readonly text: string;
}
