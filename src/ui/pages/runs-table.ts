/** The runs table shared by the overview and the runs list: one `run-row` per run. */
import type { Run } from '../../storage/index.js';
import { runLink, statusBadge } from '../components.js';
import { formatDuration, formatTime } from '../format.js';
import { html, type Html } from '../html.js';

export function runDuration(run: Run, now: Date): number | null {
  if (run.startedAt === null) return null;
  return (run.endedAt ?? now).getTime() - run.startedAt.getTime();
}

export function runsTable(runs: readonly Run[], now: Date): Html {
  return html`<div class="table-wrap"><table data-testid="runs-table"><thead><tr>
      <th>run</th><th>status</th><th>trigger</th><th>selection</th><th>partition</th><th>created (UTC)</th><th class="num">duration</th></tr></thead><tbody>
    ${runs.map(
      (run) => html`<tr data-testid="run-row" data-run-id="${run.id}" data-status="${run.status}">
        <td>${runLink(run.id)}</td><td>${statusBadge(run.status)}</td><td>${run.trigger}</td>
        <td class="mono">${run.selection.length > 60 ? `${run.selection.slice(0, 59)}…` : run.selection}</td>
        <td class="mono">${run.partitionKey ?? '–'}</td><td>${formatTime(run.createdAt)}</td>
        <td class="num">${formatDuration(runDuration(run, now))}</td></tr>`,
    )}</tbody></table></div>`;
}
