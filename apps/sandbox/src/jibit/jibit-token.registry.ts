/**
 * The simulator's token pairs (jibit.md §2, §7). Tokens are opaque random strings. A refresh rotates the
 * pair: the old refresh token becomes unusable at once, the old access token lives until its own expiry.
 */
export interface JibitTokenPair {
  accessToken: string;
  refreshToken: string;
  accessExpiresAtMs: number;
  refreshExpiresAtMs: number;
  issuedAtMs: number;
  refreshUsed: boolean;
  revoked: boolean;
}

export type RefreshRefusal = 'unknown-refresh-token' | 'refresh-token-used' | 'refresh-token-expired' | 'pair-mismatch' | 'revoked';

/** Oldest pairs are forgotten beyond this, so a client that generates in a loop cannot grow memory without bound. */
export const TOKEN_PAIRS_MAX = 10_000;
const TOKEN_LENGTH = 48;

export class JibitTokenRegistry {
  private readonly pairs: JibitTokenPair[] = [];
  private readonly byAccess = new Map<string, JibitTokenPair>();
  private readonly byRefresh = new Map<string, JibitTokenPair>();

  constructor(private readonly newToken: (length: number) => string) {}

  issue(nowMs: number, ttl: { accessMs: number; refreshMs: number }): JibitTokenPair {
    const pair: JibitTokenPair = {
      accessToken: this.unique(this.byAccess),
      refreshToken: this.unique(this.byRefresh),
      accessExpiresAtMs: nowMs + ttl.accessMs,
      refreshExpiresAtMs: nowMs + ttl.refreshMs,
      issuedAtMs: nowMs,
      refreshUsed: false,
      revoked: false,
    };
    this.pairs.push(pair);
    this.byAccess.set(pair.accessToken, pair);
    this.byRefresh.set(pair.refreshToken, pair);
    while (this.pairs.length > TOKEN_PAIRS_MAX) {
      const old = this.pairs.shift()!;
      this.byAccess.delete(old.accessToken);
      this.byRefresh.delete(old.refreshToken);
    }
    return pair;
  }

  /** True when `accessToken` may call the API now. */
  isAccessValid(accessToken: string, nowMs: number): boolean {
    const pair = this.byAccess.get(accessToken);
    return pair !== undefined && !pair.revoked && nowMs < pair.accessExpiresAtMs;
  }

  /** Checks a refresh request; on success the old refresh token is spent and a new pair issued. */
  refresh(accessToken: string, refreshToken: string, nowMs: number, ttl: { accessMs: number; refreshMs: number }): JibitTokenPair | RefreshRefusal {
    const pair = this.byRefresh.get(refreshToken);
    if (!pair) return 'unknown-refresh-token';
    if (pair.revoked) return 'revoked';
    if (pair.refreshUsed) return 'refresh-token-used';
    if (nowMs >= pair.refreshExpiresAtMs) return 'refresh-token-expired';
    // The access token must be the pair's own, sent bare: a `Bearer ` prefix makes it a different string.
    if (pair.accessToken !== accessToken) return 'pair-mismatch';
    pair.refreshUsed = true;
    return this.issue(nowMs, ttl);
  }

  /** `invalidateOnGenerate`: every earlier pair stops working. */
  revokeAll(): void {
    for (const pair of this.pairs) pair.revoked = true;
  }

  clear(): void {
    this.pairs.splice(0, this.pairs.length);
    this.byAccess.clear();
    this.byRefresh.clear();
  }

  summary(nowMs: number): { pairs: number; activeAccessTokens: number } {
    return { pairs: this.pairs.length, activeAccessTokens: this.pairs.filter((p) => !p.revoked && nowMs < p.accessExpiresAtMs).length };
  }

  private unique(index: Map<string, JibitTokenPair>): string {
    // Collisions of 48 random alphanumerics do not happen; the bound only keeps the loop honest.
    for (let tries = 0; tries < 10; tries++) {
      const token = this.newToken(TOKEN_LENGTH);
      if (!index.has(token)) return token;
    }
    throw new Error('could not draw a unique token');
  }
}
