import { z } from 'zod';

/**
 * Zoom's WebSockets page documents the token body as `Access_token`/`Token_type`/`Expire_in` with an array
 * `scope`: a documentation error, but a server that answers that way still hands out a usable token. So keys
 * are matched case-insensitively, `expire_in` stands for `expires_in`, and an array `scope` is joined with
 * spaces (the OAuth form). An exact, correctly cased key wins over a variant.
 */
function normaliseTokenBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const normalised: Record<string, unknown> = {};
  const exact = new Set<string>();
  for (const [key, value] of Object.entries(body)) {
    const canonical = KEY_ALIASES[key.toLowerCase()] ?? key.toLowerCase();
    if (exact.has(canonical)) continue;
    if (key === canonical) exact.add(canonical);
    if (key === canonical || !(canonical in normalised)) normalised[canonical] = value;
  }
  const scope = normalised.scope;
  if (Array.isArray(scope) && scope.every((entry) => typeof entry === 'string')) normalised.scope = scope.join(' ');
  return normalised;
}

const KEY_ALIASES: Record<string, string> = { expire_in: 'expires_in' };

/** 200 body of `POST /oauth/token`. Only the fields we rely on are required. */
export const tokenResponseSchema = z.preprocess(
  normaliseTokenBody,
  z.looseObject({
    access_token: z.string().min(1),
    token_type: z.string().optional(),
    expires_in: z.number().positive(),
    scope: z.string().optional(),
    api_url: z.string().optional(),
  }),
);

/** 4xx body: `{"reason":"…","error":"…"}`. Both optional: a proxy may answer with anything. */
export const tokenErrorSchema = z.looseObject({
  reason: z.string().optional(),
  error: z.string().optional(),
});
