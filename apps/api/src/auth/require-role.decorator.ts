import { SetMetadata } from '@nestjs/common';

export const ROLES = ['merchant', 'finance', 'ops'] as const;
export type Role = (typeof ROLES)[number];
export const REQUIRED_ROLES_KEY = 'payledger:roles';

/**
 * Who may call a route. `ops` may also read what `finance` reads. A route without this decorator needs
 * no key (health, docs, gateway returns and webhooks — those authenticate per gateway).
 */
export const RequireRole = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES_KEY, roles);

/** The caller, as the guard attaches it to the request. */
export interface Principal {
  keyId: string;
  role: Role;
}

export function rolesAllowing(required: readonly Role[]): ReadonlySet<Role> {
  const allowed = new Set<Role>(required);
  if (allowed.has('finance')) allowed.add('ops');
  return allowed;
}
