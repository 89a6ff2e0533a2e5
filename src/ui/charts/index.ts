/** SVG charts as pure functions `(data, options) => svg string`: no DOM, no server. */
export { barChart, type Bar, type BarChartOptions } from './bar-chart.js';
export { donutChart, type DonutOptions, type Slice } from './donut.js';
export { ganttChart, type GanttBar, type GanttOptions } from './gantt.js';
export { lineChart, type LineChartOptions, type LinePoint, type LineSeries } from './line-chart.js';
export { progressBar, type ProgressSegment } from './progress.js';
export { statusStrip, type StripCell, type StripOptions } from './strip.js';
export { escapeXml, LAYER_COLORS, STATUS_COLORS, type Tone } from './svg.js';
