export { API_PREFIX, createFakeCoinGecko } from './fake-app.js';
export type { FakeCoinGecko, FakeCoinGeckoOptions, RecordedRequest, RollingRateLimit, ScriptedResponse } from './fake-app.js';
export { runFakeCoinGeckoServer, startFakeCoinGecko } from './fake-server.js';
export type { RunFakeCoinGeckoServerOptions, RunningFakeCoinGecko, StartFakeCoinGeckoOptions } from './fake-server.js';
export { DEFAULT_FIXTURES_DIR, loadFixtureData } from './fixture-data.js';
