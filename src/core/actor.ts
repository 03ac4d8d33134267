/** Someone acting in chat: a platform user id and a name to show. */
export interface Actor {
  /** stable platform id (Slack U…, Discord snowflake, shell name) */
  readonly id: string;
  /** how people call them in the channel */
  readonly name: string;
}
