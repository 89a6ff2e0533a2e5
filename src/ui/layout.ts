/** The document around every page: head, navigation, who is logged in. */
import type { FastifyRequest } from 'fastify';
import { html, type Html } from './html.js';

export interface PageInput {
  readonly title: string;
  readonly body: Html;
  readonly request: FastifyRequest;
}

export function renderPage({ title, body }: PageInput): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Strata</title></head>
<body><main>${body}</main></body></html>`.value;
}
