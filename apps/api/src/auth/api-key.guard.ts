import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '@payledger/kernel';
import { ApiKeyStore } from './api-key.store';
import { Principal, REQUIRED_ROLES_KEY, Role, rolesAllowing } from './require-role.decorator';

export type AuthenticatedRequest = Request & { principal?: Principal };

/** Checks `Authorization: Bearer <key>` on every route that names roles; 401 without a valid key, 403 for the wrong role. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ApiKeyStore) private readonly keys: ApiKeyStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (!roles || roles.length === 0) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new DomainError('AUTH.UNAUTHENTICATED', 'send an API key as `Authorization: Bearer <key>`');
    const principal = await this.keys.authenticate(match[1]);
    if (!principal) throw new DomainError('AUTH.UNAUTHENTICATED', 'the API key is not valid');
    if (!rolesAllowing(roles).has(principal.role)) {
      throw new DomainError('AUTH.FORBIDDEN', `this route needs the ${roles.join(' or ')} role; the key has ${principal.role}`, { required: roles, role: principal.role });
    }
    request.principal = principal;
    return true;
  }
}
