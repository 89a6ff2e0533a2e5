/** The login form: trades STRATA_ADMIN_TOKEN for a session cookie. */
import { CSRF_FIELD } from '../../server/security.js';
import { html, type Html } from '../html.js';

export interface LoginPageInput {
  readonly csrfToken: string;
  /** False when the server has no STRATA_ADMIN_TOKEN: there is nothing to log in to. */
  readonly tokenConfigured: boolean;
  readonly loggedIn: boolean;
  readonly message?: string;
  readonly next: string;
}

export function loginPage(input: LoginPageInput): Html {
  if (!input.tokenConfigured) {
    return html`<h1>Log in</h1><p>This server has no STRATA_ADMIN_TOKEN: changes are accepted from this machine (loopback) only, with no login.</p>`;
  }
  return html`<h1>Log in</h1>
    ${input.message ? html`<p class="notice" role="alert">${input.message}</p>` : ''}
    ${input.loggedIn
      ? html`<p>You are logged in.</p>
          <form method="post" action="/logout"><input type="hidden" name="${CSRF_FIELD}" value="${input.csrfToken}"><button type="submit">Log out</button></form>`
      : html`<form method="post" action="/login" class="login">
          <input type="hidden" name="${CSRF_FIELD}" value="${input.csrfToken}">
          <input type="hidden" name="next" value="${input.next}">
          <label>Admin token <input type="password" name="token" autocomplete="current-password" required></label>
          <button type="submit">Log in</button>
        </form>`}`;
}
