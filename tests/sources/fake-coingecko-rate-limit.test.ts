/** The fake CoinGecko's rolling limit, which the rate-limit tests and bench count 429s against. */
import { expect, it } from 'vitest';
import { createFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';

it('serves `requests` per rolling window and answers 429 with retry-after above it; refusals do not count', async () => {
  let now = 0;
  const fake = createFakeCoinGecko({ now: () => new Date(now), rateLimit: { requests: 2, windowMs: 1_000, retryAfterSeconds: 3 } });
  const statusAt = async (at: number) => {
    now = at;
    const response = await fake.app.inject('/api/v3/global');
    return [response.statusCode, response.headers['retry-after']];
  };
  expect(await statusAt(0)).toEqual([200, undefined]);
  expect(await statusAt(500)).toEqual([200, undefined]);
  expect(await statusAt(999)).toEqual([429, '3']);
  expect(await statusAt(1_000)).toEqual([200, undefined]); // the first left the window at 1 000 ms
  expect(await statusAt(1_499)).toEqual([429, '3']);
  expect(await statusAt(1_500)).toEqual([200, undefined]);
  expect(fake.requests.map((request) => request.status)).toEqual([200, 200, 429, 200, 429, 200]);
});
