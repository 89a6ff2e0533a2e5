/** Answering a page or a form: HTML with the layout, validated query strings, redirects with a notice. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import type { Html } from './html.js';
import { renderPage } from './layout.js';

export interface SendPageInput {
  readonly title: string;
  readonly body: Html;
  readonly scripts?: readonly string[];
  readonly wide?: boolean;
  readonly status?: number;
}

export function sendPage(request: FastifyRequest, reply: FastifyReply, input: SendPageInput): FastifyReply {
  const { status = 200, ...page } = input;
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(renderPage({ ...page, request }));
}

/** Parses `input` or throws a ValidationError naming each bad field: `query.status: Invalid option…`. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const message = result.error.issues.map((issue) => `${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`).join('; ');
  throw new ValidationError(message);
}

export function isAdmin(request: FastifyRequest): boolean {
  return request.access?.role === 'admin';
}

/** 303 to `path` with a one-time notice (`?notice=…&tone=error`). */
export function redirectWithNotice(reply: FastifyReply, path: string, message: string, tone: 'info' | 'error' = 'info'): FastifyReply {
  const [base, existing] = path.split('?');
  const params = new URLSearchParams(existing ?? '');
  params.set('notice', message.slice(0, 400));
  if (tone === 'error') params.set('tone', 'error');
  else params.delete('tone');
  return reply.redirect(`${base}?${params.toString()}`, 303);
}
