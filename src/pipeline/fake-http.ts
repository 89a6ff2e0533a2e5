/** What the local stand-ins for provider APIs (fake CoinGecko, fake CoinPaprika) share. */
import type { FastifyRequest } from 'fastify';

/** Request headers as one string each, for the fakes' request logs. */
export function flatHeaders(headers: FastifyRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) out[name] = value.join(', ');
  }
  return out;
}

/** Resolves true if the client hung up (timed out) before `ms` passed: how a scripted delay ends early. */
export function waitOrHangUp(request: FastifyRequest, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = request.raw.socket;
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      socket.off('close', onClose);
      resolve(false);
    }, ms);
    socket.once('close', onClose);
  });
}
