// Module hooks for reloading a definitions module (registered by reload-url.ts, plain JS because
// they run in Node's loader thread). A reload imports the module as `file.ts?strata-reload=N`;
// every project file it imports gets the same query, so Node evaluates the changed files
// afresh, while Strata itself and node_modules keep their one instance (so `instanceof`, the
// shared pools and caches stay single).
const QUERY = 'strata-reload';
let strataRoot = '';

export function initialize(data) {
  strataRoot = data.strataRoot;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const version = context.parentURL ? new URL(context.parentURL).searchParams.get(QUERY) : null;
  if (version === null || !resolved.url.startsWith('file:')) return resolved;
  const url = new URL(resolved.url);
  if (url.search !== '' || url.pathname.includes('/node_modules/') || url.href.startsWith(strataRoot)) return resolved;
  url.searchParams.set(QUERY, version);
  return { ...resolved, url: url.href };
}
