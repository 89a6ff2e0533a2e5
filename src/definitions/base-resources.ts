/**
 * The resources Strata gives every asset, whatever its code location: the database and the
 * bronze store. Added to the core's `Resources` by declaration merging (the core never imports
 * storage); a code location's resources factory adds its own the same way.
 */
import type { BronzeStore } from '../storage/bronze/index.js';
import type { StrataDatabase } from '../storage/database.js';

export interface BaseResources {
  readonly database: StrataDatabase;
  readonly bronze: BronzeStore;
}

declare module '../core/types.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Resources extends BaseResources {}
}
