/**
 * One owner per embedded database: the exclusive lock a process takes before it opens a PGlite
 * data directory, and the local socket address where the owner serves it to every other process.
 *
 * On Linux the lock is a listening socket in the abstract namespace: the kernel frees it the
 * moment its process dies, even on SIGKILL, so a crashed owner can never leave it behind, and
 * two processes can never both hold it. Elsewhere it is a socket file next to the service
 * socket; a file left by a crashed owner is detected (nothing answers it) and replaced.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { type Server, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The socket file's name pg expects under a `host` directory (`host=/dir`, `port=5432`). */
export const OWNER_SOCKET_PORT = 5432;

export interface OwnerAddress {
  /** Directory of the service socket: `pg` connects with `host` set to it. */
  readonly socketDir: string;
  /** The service socket itself (`<socketDir>/.s.PGSQL.5432`). */
  readonly socketPath: string;
  /** The lock's name: abstract on Linux (starts with NUL), a file elsewhere. */
  readonly lockPath: string;
}

/**
 * Derived from the data directory's real path, so every process that names the same directory
 * (relative, absolute, through a link) finds the same owner. Sockets live under the temp
 * directory because a socket path is limited to about 100 bytes.
 */
export function ownerAddress(pgliteDir: string): OwnerAddress {
  const real = realPathOf(pgliteDir);
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 16);
  const socketDir = join(tmpdir(), `strata-${hash}`);
  return {
    socketDir,
    socketPath: join(socketDir, `.s.PGSQL.${OWNER_SOCKET_PORT}`),
    lockPath: process.platform === 'linux' ? `\0strata-pglite-owner-${hash}` : join(socketDir, 'owner.lock'),
  };
}

function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

export interface OwnerLock {
  release(): Promise<void>;
}

/** Takes the lock, or answers undefined when another live process holds it. */
export async function tryLockOwnership(address: OwnerAddress): Promise<OwnerLock | undefined> {
  await mkdir(address.socketDir, { recursive: true, mode: 0o700 });
  const server = createServer((socket) => socket.destroy());
  // A lock socket must not keep a process alive that has nothing else to do.
  server.unref();
  if (await listenOn(server, address.lockPath)) return lockOf(server);
  if (address.lockPath.startsWith('\0')) return undefined;
  if (await answers(address.lockPath)) return undefined;
  // A lock file nobody answers was left by a crashed owner.
  await unlink(address.lockPath).catch(() => {});
  return (await listenOn(server, address.lockPath)) ? lockOf(server) : undefined;
}

function lockOf(server: Server): OwnerLock {
  return { release: () => new Promise<void>((done) => server.close(() => done())) };
}

function listenOn(server: Server, path: string): Promise<boolean> {
  return new Promise((done, fail) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') done(false);
      else fail(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      done(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(path);
  });
}

function answers(path: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}
