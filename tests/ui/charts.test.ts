/** The SVG chart functions: standalone, escaped, scaled to their data. */
import { describe, expect, it } from 'vitest';
import { barChart } from '../../src/ui/charts/bar-chart.js';
import { donutChart } from '../../src/ui/charts/donut.js';
import { niceTicks } from '../../src/ui/charts/svg.js';

describe('charts', () => {
  it('picks round ticks that reach above the largest value', () => {
    expect(niceTicks(0, 250)).toEqual([0, 100, 200, 300]);
    expect(niceTicks(0, 200)).toEqual([0, 50, 100, 150, 200]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });

  it('draws one bar per item and escapes labels from the data', () => {
    const svg = barChart(
      [
        { label: 'Bitcoin', value: 2 },
        { label: '<script>x</script>', value: 1 },
      ],
      { title: 'Market cap & share' },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('Market cap &amp; share');
    expect(svg.match(/<rect /g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('leaves non-positive slices out of a donut', () => {
    const svg = donutChart(
      [
        { label: 'mega', value: 3 },
        { label: 'none', value: 0 },
        { label: 'large', value: 1 },
      ],
      { title: 'Segments' },
    );
    expect(svg).toContain('mega');
    expect(svg).toContain('large');
    expect(svg).not.toContain('>none<');
  });
});
