/** The HTML UI: server-rendered pages over the same read models as the API. */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { html } from './html.js';
import { renderPage } from './layout.js';

export function registerUi(ui: FastifyInstance, runtime: Runtime): void {
  ui.get('/', { schema: { hide: true } }, async (request, reply) =>
    reply.type('text/html; charset=utf-8').send(renderPage({ title: 'Overview', body: html`<h1>Strata</h1><p>${runtime.graph.nodes.length} assets</p>`, request })),
  );
}
