export { API_PREFIX, ERROR_BODIES, createFakeCoinPaprika, planLimited, rateLimited } from './fake-app.js';
export type { FakeCoinPaprika, FakeCoinPaprikaOptions, RecordedRequest, ScriptedReply } from './fake-app.js';
export { runFakeCoinPaprikaServer, startFakeCoinPaprika } from './fake-server.js';
export type { RunFakeCoinPaprikaServerOptions, RunningFakeCoinPaprika, StartFakeCoinPaprikaOptions } from './fake-server.js';
export { EXTRA_TICKERS, OUTLIER_OFFSETS, coinpaprikaId, createTickerUniverse } from './ticker-universe.js';
export type { FakeTicker, TickerUniverse } from './ticker-universe.js';
