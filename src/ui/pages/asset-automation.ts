/**
 * The asset page's "Automation" section: "why did / why didn't this run". The condition, each
 * evaluated partition's current result and reason with the run automation last requested, and
 * the latest changes of those results.
 */
import type { AssetAutomation } from '../../server/read-models/automation.js';
import { emptyState, runLink } from '../components.js';
import { formatTime } from '../format.js';
import { html, type Html } from '../html.js';

const verdict = (value: boolean): Html => html`<span class="badge badge-${value ? 'success' : 'missing'}" data-value="${String(value)}">${value ? 'true' : 'false'}</span>`;

export function automationSection(view: AssetAutomation): Html {
  if (view.condition === null) {
    return html`<section class="card" data-testid="asset-automation"><h2>Automation</h2>${emptyState('No automation condition: schedules and operators run this asset.')}</section>`;
  }
  const partitions =
    view.partitions.length === 0
      ? emptyState('Not evaluated yet: the daemon evaluates the condition when something upstream changes, a new partition starts or a cron tick passes.')
      : html`<div class="table-wrap"><table data-testid="automation-partitions"><thead><tr><th>partition</th><th>now</th><th>why</th><th>since</th><th>last requested</th></tr></thead><tbody>
          ${view.partitions.map(
            (entry) => html`<tr data-partition="${entry.partitionKey ?? ''}"><td class="mono">${entry.partitionKey ?? '–'}</td><td>${verdict(entry.value)}</td>
              <td data-testid="automation-reason">${entry.reason}</td><td>${formatTime(entry.changedAt)}</td>
              <td>${entry.requestedRunId === null ? html`<span class="muted">never</span>` : html`${formatTime(entry.requestedAt)} · run ${runLink(entry.requestedRunId)}`}</td></tr>`,
          )}</tbody></table></div>`;
  const history =
    view.history.length === 0
      ? ''
      : html`<details><summary>Latest changes (${view.history.length})</summary><div class="table-wrap"><table data-testid="automation-history"><thead><tr><th>evaluated</th><th>partition</th><th>result</th><th>why</th><th>run requested</th></tr></thead><tbody>
          ${view.history.map(
            (entry) => html`<tr><td>${formatTime(entry.evaluatedAt)}</td><td class="mono">${entry.partitionKey ?? '–'}</td><td>${verdict(entry.value)}</td><td>${entry.reason}</td>
              <td>${entry.runId === null ? '' : runLink(entry.runId)}</td></tr>`,
          )}</tbody></table></div></details>`;
  return html`<section class="card" data-testid="asset-automation"><h2>Automation</h2>
    <p>Condition <code data-testid="automation-condition">${view.condition}</code>: the daemon requests a run of a partition when it becomes true.</p>
    ${partitions}${history}</section>`;
}
