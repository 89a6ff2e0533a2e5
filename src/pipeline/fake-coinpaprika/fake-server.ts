/**
 * Running the fake CoinPaprika on a real port: for tests that need real HTTP (timeouts, the
 * exact bytes through axios) and for a `strata fake-coinpaprika --port N` command.
 */
import { API_PREFIX, createFakeCoinPaprika, type FakeCoinPaprika, type FakeCoinPaprikaOptions } from './fake-app.js';

export interface StartFakeCoinPaprikaOptions extends FakeCoinPaprikaOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
}

export interface RunningFakeCoinPaprika extends Omit<FakeCoinPaprika, 'app'> {
  /** Base URL including `/v1`, ready for `COINPAPRIKA_BASE_URL`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startFakeCoinPaprika(options: StartFakeCoinPaprikaOptions = {}): Promise<RunningFakeCoinPaprika> {
  const host = options.host ?? '127.0.0.1';
  const fake = createFakeCoinPaprika(options);
  await fake.app.listen({ port: options.port ?? 0, host });
  const address = fake.app.server.address();
  if (address === null || typeof address === 'string') throw new Error(`fake CoinPaprika: unexpected listen address ${String(address)}`);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${address.port}${API_PREFIX}`,
    port: address.port,
    universe: fake.universe,
    requests: fake.requests,
    script: fake.script,
    get pendingScript() {
      return fake.pendingScript;
    },
    close: () => fake.app.close(),
  };
}

export interface RunFakeCoinPaprikaServerOptions {
  readonly port: number;
  readonly host?: string;
  readonly log: { info(fields: Record<string, unknown>, message: string): void };
}

/** For the CLI: listens, says how to point Strata at it, and returns the server to close on exit. */
export async function runFakeCoinPaprikaServer(options: RunFakeCoinPaprikaServerOptions): Promise<RunningFakeCoinPaprika> {
  const server = await startFakeCoinPaprika({ port: options.port, ...(options.host === undefined ? {} : { host: options.host }) });
  const example = `STRATA_SOURCES=coinpaprika COINPAPRIKA_BASE_URL=${server.url} npm run strata -- materialize`;
  options.log.info({ url: server.url, tickers: server.universe.tickers.length }, `fake CoinPaprika listening on ${server.url} (${server.universe.tickers.length} tickers)`);
  options.log.info({ example }, `try: ${example}`);
  return server;
}
