/** Someone acting in chat: a platform user id and a name to show. */
export interface Actor {
  /** stable id on the platform (its user id; in the shell, the name) */
  readonly id: string;
  /** how people call them in the channel */
  readonly name: string;
  /**
   * groups the platform says they belong to (user groups, roles); a group
   * listed among a team's approvers makes them an approver
   */
  readonly groups?: readonly string[];
}

/** Whether `actor` is among `approvers`, by id or through one of their groups. */
export function isListed(approvers: readonly string[], actor: Actor): boolean {
  return approvers.includes(actor.id) || (actor.groups ?? []).some((group) => approvers.includes(group));
}
