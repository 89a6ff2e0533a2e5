/**
 * Running the fake CoinGecko on a real port: for tests that need real HTTP (timeouts, resets,
 * the exact bytes through axios) and for `strata fake-coingecko --port N`.
 */
import { API_PREFIX, createFakeCoinGecko, type FakeCoinGecko, type FakeCoinGeckoOptions } from './fake-app.js';

export interface StartFakeCoinGeckoOptions extends FakeCoinGeckoOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
}

export interface RunningFakeCoinGecko extends Omit<FakeCoinGecko, 'app'> {
  /** Base URL including `/api/v3`, ready for `COINGECKO_BASE_URL`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startFakeCoinGecko(options: StartFakeCoinGeckoOptions = {}): Promise<RunningFakeCoinGecko> {
  const host = options.host ?? '127.0.0.1';
  const fake = createFakeCoinGecko(options);
  await fake.app.listen({ port: options.port ?? 0, host });
  const address = fake.app.server.address();
  if (address === null || typeof address === 'string') throw new Error(`fake CoinGecko: unexpected listen address ${String(address)}`);
  // An IPv6 host needs brackets in a URL.
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${address.port}${API_PREFIX}`,
    port: address.port,
    requests: fake.requests,
    script: fake.script,
    get pendingScript() {
      return fake.pendingScript;
    },
    rateLimited: fake.rateLimited,
    close: () => fake.app.close(),
  };
}

export interface RunFakeCoinGeckoServerOptions {
  readonly port: number;
  readonly host?: string;
  readonly coins?: number;
  readonly log: { info(fields: Record<string, unknown>, message: string): void };
}

/** For the CLI: listens, says how to point Strata at it, and returns the server to close on exit. */
export async function runFakeCoinGeckoServer(options: RunFakeCoinGeckoServerOptions): Promise<RunningFakeCoinGecko> {
  const server = await startFakeCoinGecko({
    port: options.port,
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.coins === undefined ? {} : { coins: options.coins }),
  });
  const coins = options.coins ?? 250;
  options.log.info({ url: server.url, coins }, `fake CoinGecko listening on ${server.url} (${coins} coins)`);
  options.log.info(
    { example: `COINGECKO_BASE_URL=${server.url} STRATA_COINS=${coins} npm run strata -- materialize` },
    `try: COINGECKO_BASE_URL=${server.url} STRATA_COINS=${coins} npm run strata -- materialize`,
  );
  return server;
}
