/** The data view of a gold asset: market share, segments, top prices, and the mart's first rows. */
import { barChart, donutChart } from '../charts/index.js';
import { seriesColor, STATUS_COLORS } from '../charts/svg.js';
import { emptyState } from '../components.js';
import { formatCompactUsd, formatValue } from '../format.js';
import { html, raw, type Html } from '../html.js';
import type { MartCharts, MartRow, MartRowsPage } from '../queries/marts.js';

function num(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

const TOP_SLICES = 8;

/** Dominance of the top coins, and the rest of the market as one slice. */
export function marketShareChart(coins: readonly MartRow[]): string {
  const withShare = coins
    .map((row) => ({ label: text(row['name']) || text(row['coin_id']), value: num(row['market_dominance_pct']) ?? 0 }))
    .filter((slice) => slice.value > 0)
    .sort((a, b) => b.value - a.value);
  const top = withShare.slice(0, TOP_SLICES).map((slice, index) => ({ ...slice, color: seriesColor(index) }));
  const rest = Math.max(0, 100 - top.reduce((sum, slice) => sum + slice.value, 0));
  return donutChart(rest > 0.05 ? [...top, { label: 'rest of the market', value: rest, color: '#d0d7de' }] : top, {
    title: 'Market share of the top coins (market dominance, %)',
    format: (value) => `${value.toFixed(2)}%`,
    centerLabel: top[0] ? `${top[0].label.slice(0, 10)} ${top[0].value.toFixed(1)}%` : '',
    testId: 'chart-market-share',
  });
}

export function segmentChart(segments: readonly MartRow[]): string {
  return barChart(
    segments.map((row, index) => ({
      label: text(row['market_cap_category']),
      value: num(row['market_share_pct']) ?? 0,
      color: seriesColor(index + 1),
      title: `${text(row['market_cap_category'])}: ${formatValue(num(row['market_share_pct']))}% of market cap, ${formatValue(row['coin_count'])} coins, ` +
        `avg 24 h change ${formatValue(num(row['avg_price_change_24h']))}%`,
    })),
    { title: 'Market cap by segment (% of the snapshot)', format: (value) => `${value.toFixed(1)}%`, testId: 'chart-segments' },
  );
}

export function topPricesChart(coins: readonly MartRow[]): string {
  const priced = coins
    .map((row) => ({ row, price: num(row['current_price']) }))
    .filter((entry): entry is { row: MartRow; price: number } => entry.price !== null)
    .sort((a, b) => b.price - a.price)
    .slice(0, 10);
  return barChart(
    priced.map(({ row, price }) => {
      const change = num(row['price_change_percentage_24h']);
      return {
        label: `${text(row['symbol']).toUpperCase()} ${text(row['name'])}`,
        value: price,
        color: change !== null && change < 0 ? STATUS_COLORS.failure.solid : STATUS_COLORS.success.solid,
        title: `${text(row['name'])}: $${formatValue(price)}${change === null ? '' : `, ${change >= 0 ? '+' : ''}${change.toFixed(2)}% in 24 h`}`,
      };
    }),
    { title: 'Top prices (USD; red fell in the last 24 h)', format: (value) => (value >= 1000 ? formatCompactUsd(value) : `$${formatValue(value)}`), testId: 'chart-top-prices' },
  );
}

export function martCharts(data: MartCharts): Html {
  if (data.coins.length === 0 && data.segments.length === 0) return emptyState('The gold marts are empty: materialize a partition to see the charts.');
  return html`<p class="muted">Partition <span class="mono">${data.partition ?? '–'}</span></p>
    <div class="grid-2">
      <section class="card chart-card"><h3>Market share</h3>${raw(marketShareChart(data.coins))}</section>
      <section class="card chart-card"><h3>Segments</h3>${raw(segmentChart(data.segments))}</section>
      <section class="card chart-card"><h3>Top prices</h3>${raw(topPricesChart(data.coins))}</section>
    </div>`;
}

/** The first rows of the mart, every column. */
export function martTable(page: MartRowsPage): Html {
  const first = page.rows[0];
  if (first === undefined) return emptyState('This mart has no rows yet.');
  const columns = Object.keys(first);
  return html`<div class="table-wrap"><table data-testid="mart-rows"><thead><tr>${columns.map((column) => html`<th>${column}</th>`)}</tr></thead><tbody>
    ${page.rows.map(
      (row) => html`<tr>${columns.map((column) => {
        const value = row[column];
        const numeric = typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value));
        return html`<td class="${numeric ? 'num' : ''}">${value instanceof Date ? value.toISOString() : formatCell(value)}</td>`;
      })}</tr>`,
    )}</tbody></table></div>
    <p class="muted">${page.rows.length} of ${page.total} rows of partition <span class="mono">${page.partition ?? ''}</span> ·
      <a href="/api/v1/marts/${page.mart}/rows?partition=${encodeURIComponent(page.partition ?? '')}">all rows (JSON API)</a></p>`;
}

function formatCell(value: unknown): string {
  if (typeof value === 'string' && /^-?\d+\.\d{7,}$/.test(value)) return Number(value).toPrecision(8).replace(/\.?0+$/, '');
  return formatValue(value);
}
