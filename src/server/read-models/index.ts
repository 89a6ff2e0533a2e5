/**
 * Read models: plain async functions `(runtime, input) => data` that the JSON API (/api/v1)
 * and the HTML UI both call, so a page and its API answer never disagree. Dates are Date objects
 * (the API serializes them as ISO strings); unknown ids and names throw StrataErrors with a
 * 404 code, bad input ValidationError (400).
 */
export * from './asset-health.js';
export * from './assets.js';
export * from './backfills.js';
export * from './catalog.js';
export * from './graph.js';
export * from './marts.js';
export * from './runs.js';
export * from './schedules.js';
export * from './sensors.js';
