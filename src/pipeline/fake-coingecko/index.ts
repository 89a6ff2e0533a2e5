export { createFakeCoinGecko } from './fake-app.js';
export type { FakeCoinGecko, RecordedRequest } from './fake-app.js';
export { runFakeCoinGeckoServer, startFakeCoinGecko } from './fake-server.js';
export type { RunningFakeCoinGecko, StartFakeCoinGeckoOptions } from './fake-server.js';
export { DEFAULT_FIXTURES_DIR, loadFixtureData } from './fixture-data.js';
