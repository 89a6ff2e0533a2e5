/** SVG charts as pure functions `(data, options) => svg string`: no DOM, no server. */
export { barChart } from './bar-chart.js';
export { donutChart } from './donut.js';
export { ganttChart } from './gantt.js';
export { lineChart } from './line-chart.js';
export { progressBar } from './progress.js';
export { statusStrip } from './strip.js';
