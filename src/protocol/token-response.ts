import { z } from 'zod';

/** 200 body of `POST /oauth/token`. Only the fields we rely on are required. */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
  api_url: z.string().optional(),
});

/** 4xx body: `{"reason":"…","error":"…"}`. Both optional: a proxy may answer with anything. */
export const tokenErrorSchema = z.looseObject({
  reason: z.string().optional(),
  error: z.string().optional(),
});
