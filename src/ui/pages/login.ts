/** The login form: trades STRATA_ADMIN_TOKEN for a session cookie. */
import { csrfField, notice } from '../components.js';
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
    return html`<section class="card login-card"><h1>Log in</h1>
      <p>This server has no <code>STRATA_ADMIN_TOKEN</code>: changes are accepted from this machine (loopback) only, with no login.</p></section>`;
  }
  return html`<section class="card login-card"><h1>${input.loggedIn ? 'Logged in' : 'Log in'}</h1>
    ${input.message ? notice(input.message, 'error') : ''}
    ${input.loggedIn
      ? html`<p>You are logged in as the admin: you can launch, cancel and re-execute runs, switch schedules and start backfills.</p>
          <form method="post" action="/logout">${csrfField(input.csrfToken)}<button type="submit" class="button" data-testid="logout-button">Log out</button></form>`
      : html`<p>Changing things (launching runs, switching schedules) needs the admin token the server was started with (<code>STRATA_ADMIN_TOKEN</code>).</p>
        <form method="post" action="/login" class="login">
          ${csrfField(input.csrfToken)}
          <input type="hidden" name="next" value="${input.next}">
          <label>Admin token <input type="password" name="token" autocomplete="current-password" required data-testid="login-token"></label>
          <button type="submit" class="button button-primary" data-testid="login-submit">Log in</button>
        </form>`}
  </section>`;
}
