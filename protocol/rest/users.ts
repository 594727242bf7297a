/** Accounts: sign-in, registration, the current user, and user administration. */
import { z } from 'zod';
import { emailSchema, pageSchema, paginationQuery } from './common';

export const userRoles = ['student', 'instructor', 'admin'] as const;
export type UserRoleName = (typeof userRoles)[number];

export const passwordSchema = z.string().min(8, 'at least 8 characters').max(256);
export const fullNameSchema = z.string().trim().min(1).max(200);

// Not strict: a client sending `role` at registration is not an error, it is ignored.
export const registerBody = z.object({
  email: emailSchema,
  password: passwordSchema,
  fullName: fullNameSchema,
});
export const loginBody = z.object({ email: z.string().max(320), password: z.string().max(256) });
export const createUserBody = registerBody.extend({ role: z.enum(userRoles).default('student') });
export const userParams = z.object({ id: z.uuid('must be a UUID') });
export const updateUserBody = z.object({ role: z.enum(userRoles) }).strict();

export const publicUserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  fullName: z.string(),
  role: z.enum(userRoles),
});
export type PublicUserJson = z.infer<typeof publicUserSchema>;

export const sessionSchema = z.object({ token: z.string(), user: publicUserSchema });
export type SessionJson = z.infer<typeof sessionSchema>;
export const userEnvelopeSchema = z.object({ user: publicUserSchema });

/** GET /users (admins): find accounts by part of their email or name. */
export const listUsersQuery = z.object({
  q: z.string().trim().max(200).optional(),
  ...paginationQuery,
});
export const userPageSchema = pageSchema(publicUserSchema);
export type UserPageJson = z.infer<typeof userPageSchema>;
