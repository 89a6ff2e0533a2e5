/** The document around every page: head, navigation, who is logged in, notices. */
import type { FastifyRequest } from 'fastify';
import { notice } from './components.js';
import { html, type Html } from './html.js';

export interface PageInput {
  readonly title: string;
  readonly body: Html;
  readonly request: FastifyRequest;
  /** Our own scripts under /static/ (the CSP allows only same-origin scripts). */
  readonly scripts?: readonly string[];
  /** A wide page (lineage) uses the whole window. */
  readonly wide?: boolean;
}

const NAV: readonly { href: string; label: string; testId: string }[] = [
  { href: '/', label: 'Overview', testId: 'nav-overview' },
  { href: '/assets', label: 'Assets', testId: 'nav-assets' },
  { href: '/lineage', label: 'Lineage', testId: 'nav-lineage' },
  { href: '/runs', label: 'Runs', testId: 'nav-runs' },
  { href: '/schedules', label: 'Schedules', testId: 'nav-schedules' },
  { href: '/sensors', label: 'Sensors', testId: 'nav-sensors' },
  { href: '/backfills', label: 'Backfills', testId: 'nav-backfills' },
];

function isCurrent(href: string, path: string): boolean {
  if (href === '/') return path === '/';
  return path === href || path.startsWith(`${href}/`);
}

/** Who is acting: the nav's right-hand side. */
function accountLinks(request: FastifyRequest): Html {
  const access = request.access;
  if (access?.role === 'admin' && access.via === 'session') {
    return html`<span class="who">admin</span><a href="/login" data-testid="nav-login">Log out</a>`;
  }
  if (access?.role === 'admin' && access.via === 'loopback') {
    return html`<span class="who" title="No STRATA_ADMIN_TOKEN: changes are accepted from this machine">admin (local)</span><a href="/login" data-testid="nav-login">Log in</a>`;
  }
  if (access?.role === 'admin') return html`<span class="who">admin (token)</span><a href="/login" data-testid="nav-login">Log in</a>`;
  return html`<span class="who">viewer</span><a href="/login" data-testid="nav-login">Log in</a>`;
}

/** `?notice=…&tone=error`, set by a form's redirect: shown once at the top of the page. */
function noticeOf(request: FastifyRequest): Html | '' {
  const query = request.query as Record<string, unknown> | undefined;
  const text = query?.['notice'];
  if (typeof text !== 'string' || text === '') return '';
  return notice(text.slice(0, 500), query?.['tone'] === 'error' ? 'error' : 'info');
}

export function renderPage({ title, body, request, scripts = [], wide = false }: PageInput): string {
  const path = request.url.split('?')[0] ?? '/';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Strata</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/strata.css">
${scripts.map((src) => html`<script src="/static/${src}" defer></script>`)}
</head>
<body>
<header class="topbar"><nav class="nav">
  <a href="/" class="brand">Strata</a>
  ${NAV.map((item) => html`<a href="${item.href}" data-testid="${item.testId}" ${isCurrent(item.href, path) ? html`class="current" aria-current="page"` : ''}>${item.label}</a>`)}
  <a href="/docs" data-testid="nav-docs">API docs</a>
  <span class="spacer"></span>
  ${accountLinks(request)}
</nav></header>
<main class="${wide ? 'wide' : ''}">${noticeOf(request)}${body}</main>
</body></html>`.value;
}

/** A page for a 4xx/5xx: the status and a message that says what was wrong. */
export function renderErrorPage(request: FastifyRequest, status: number, message: string): string {
  const heading = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 401 ? 'Log in needed' : status >= 500 ? 'Something went wrong' : 'Bad request';
  const body = html`<section class="error-page" data-testid="error-page" data-status="${status}">
    <h1>${heading} <span class="muted">${status}</span></h1>
    ${notice(message, 'error')}
    <p><a href="/">Back to the overview</a></p>
  </section>`;
  return renderPage({ title: heading, body, request });
}
