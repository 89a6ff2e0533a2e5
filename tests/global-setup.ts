// Placeholder: the storage work replaces this with the PGlite template build.
export default async function setup(): Promise<void> {}
