/** Shared by the UI tests: a form's CSRF token and cookies from a page, and HTML counting helpers. */
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

export interface FormSession {
  /** The `_csrf` field of the page's first form. */
  readonly token: string;
  /** Cookie header carrying the CSRF secret (and any session cookie passed in). */
  readonly cookie: string;
}

/** GETs `url` (a page with a form) and returns its CSRF token and the cookies that go with it. */
export async function formSession(app: FastifyInstance, url: string, cookie = ''): Promise<FormSession> {
  const page = await app.inject({ method: 'GET', url, ...(cookie ? { headers: { cookie } } : {}) });
  expect(page.statusCode).toBe(200);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  expect(token, `a _csrf field on ${url}`).toBeDefined();
  const setCookies = [page.headers['set-cookie'] ?? []].flat().map((value) => String(value).split(';')[0]);
  return { token: token as string, cookie: [cookie, ...setCookies].filter((part) => part !== '').join('; ') };
}

export function count(body: string, needle: string): number {
  return body.split(needle).length - 1;
}

export function form(fields: Readonly<Record<string, string>>): string {
  return new URLSearchParams(fields).toString();
}

export const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' } as const;
