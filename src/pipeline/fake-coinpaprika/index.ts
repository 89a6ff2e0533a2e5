export { ERROR_BODIES, planLimited, rateLimited } from './fake-app.js';
export { runFakeCoinPaprikaServer, startFakeCoinPaprika } from './fake-server.js';
export type { RunningFakeCoinPaprika, StartFakeCoinPaprikaOptions } from './fake-server.js';
export { EXTRA_TICKERS, OUTLIER_OFFSETS, createTickerUniverse } from './ticker-universe.js';
