import type { AnyAsset, DepsSpec } from '../../src/core/asset.js';
import { defineAsset } from '../../src/core/asset.js';
import type { Layer, RunEvent } from '../../src/core/types.js';

/** A trivial asset whose value is its own key; enough for graph and selection tests. */
export function stub(key: string, deps: DepsSpec = {}): AnyAsset {
  return defineAsset({
    key,
    layer: key.split('/')[0] as Layer,
    description: `stub ${key}`,
    deps,
    materialize: async () => ({ value: key }),
  });
}

/** Collects emitted events; `types()` gives the sequence that tests assert on. */
export function recorder(): { events: RunEvent[]; emit: (event: RunEvent) => void; types: () => string[] } {
  const events: RunEvent[] = [];
  return {
    events,
    emit: (event) => {
      events.push(event);
    },
    types: () =>
      events.map((event) =>
        'assetKey' in event && event.type !== 'log' ? `${event.type} ${event.assetKey}` : event.type === 'log' ? `log ${event.message}` : event.type,
      ),
  };
}
