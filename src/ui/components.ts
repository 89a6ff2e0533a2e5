/** Small pieces every page shares: status badges, links, CSRF-carrying action forms, notices. */
import { CSRF_FIELD } from '../server/security.js';
import { html, type Html } from './html.js';
import { DEFAULT_FOCUS_DEPTH } from './lineage/neighbourhood.js';

/** The CSS class of a status word: one palette for runs, steps, ticks, backfills and assets. */
export function statusTone(status: string): string {
  switch (status) {
    case 'SUCCESS':
    case 'COMPLETED':
    case 'ok':
    case 'on':
    case 'passed':
    case 'requested':
      return 'success';
    case 'FAILURE':
    case 'FAILED':
    case 'failed':
      return 'failure';
    case 'STARTED':
    case 'STARTING':
    case 'RUNNING':
    case 'running':
      return 'running';
    case 'QUEUED':
    case 'REQUESTED':
    case 'PENDING':
    case 'stale':
    case 'warn':
      return 'queued';
    case 'CANCELED':
    case 'SKIPPED':
    case 'skipped':
    case 'off':
      return 'muted';
    default:
      return 'missing';
  }
}

export function statusBadge(status: string, attributes: Html = html``): Html {
  return html`<span class="badge badge-${statusTone(status)}" ${attributes}>${status}</span>`;
}

export function assetHref(key: string): string {
  return `/assets/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** The catalog with these filters (`/assets?group=marts&status=failed`), on `page` (default 1). */
export function catalogHref(filters: Readonly<Record<string, string | undefined>>, page = 1): string {
  return `/assets${queryString({ ...filters, page: page === 1 ? undefined : String(page) })}`;
}

/** The lineage focused on `key`, `depth` steps each way. */
export function lineageHref(key: string, depth = DEFAULT_FOCUS_DEPTH): string {
  return `/lineage${queryString({ asset: key, depth: depth === DEFAULT_FOCUS_DEPTH ? undefined : String(depth) })}`;
}

export function assetLink(key: string): Html {
  return html`<a href="${assetHref(key)}" class="asset-link">${key}</a>`;
}

export function runHref(id: string): string {
  return `/runs/${encodeURIComponent(id)}`;
}

/** The first 8 characters of a run id, linked: enough to tell runs apart on a page. */
export function runLink(id: string): Html {
  return html`<a href="${runHref(id)}" class="mono" title="${id}">${id.slice(0, 8)}</a>`;
}

export function layerTag(layer: string): Html {
  return html`<span class="layer layer-${layer}">${layer}</span>`;
}

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

export interface ActionFormInput {
  readonly action: string;
  readonly csrfToken: string;
  readonly label: string;
  readonly testId?: string;
  /** False: the button is shown disabled with a hint to log in. */
  readonly allowed: boolean;
  readonly hidden?: Readonly<Record<string, string>>;
  readonly tone?: 'primary' | 'danger' | 'plain';
  /** What the button does, for the hint when it is disabled ("cancel runs"). */
  readonly what: string;
}

/** A one-button POST form carrying the CSRF token; disabled with "Log in to …" for viewers. */
export function actionForm(input: ActionFormInput): Html {
  const hidden = Object.entries(input.hidden ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  return html`<form method="post" action="${input.action}" class="inline-form">
    ${csrfField(input.csrfToken)}${hidden}
    <button type="submit" class="button button-${input.tone ?? 'plain'}" ${input.testId ? html`data-testid="${input.testId}"` : ''} ${input.allowed ? '' : html`disabled title="Log in to ${input.what}"`}>${input.label}</button>
    ${input.allowed ? '' : loginHint(input.what)}
  </form>`;
}

export function loginHint(what: string): Html {
  return html`<a class="hint" href="/login">Log in to ${what}</a>`;
}

export function notice(message: string, tone: 'info' | 'error' = 'info'): Html {
  return html`<p class="notice notice-${tone}" data-testid="notice" role="${tone === 'error' ? 'alert' : 'status'}">${message}</p>`;
}

export function emptyState(message: string): Html {
  return html`<p class="empty">${message}</p>`;
}

/** `?a=1&b=2` from the defined entries only. */
export function queryString(params: Readonly<Record<string, string | undefined>>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
