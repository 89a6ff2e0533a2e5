/**
 * Every secret setting config.ts declares (SECRET_SETTINGS) is redacted from the logs however a
 * careless call logs it: the Config whole, under a key, two levels down, one part of it, or the
 * environment it came from. A variable whose name looks secret must be in SECRET_SETTINGS.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES, loadConfig, SECRET_SETTINGS, type Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';

/** A value for each secret setting that the variable accepts and that is unmistakable in a log. */
function secretValue(variable: string): { value: string; secret: string } {
  const secret = `s3cret-${variable.toLowerCase().replaceAll('_', '-')}-7f3a9c1e`;
  return variable === 'DATABASE_URL' ? { value: `postgres://strata:${secret}@db.invalid:5432/strata`, secret } : { value: secret, secret };
}

function capture(): { logger: ReturnType<typeof createLogger>; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', pretty: false, destination }), text: () => chunks.join('') };
}

function at(config: Config, path: readonly string[]): unknown {
  return path.reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], config);
}

describe('secret settings are redacted from the logs', () => {
  it('SECRET_SETTINGS names every variable that looks secret', () => {
    const secretLooking = ENV_VARIABLES.filter((name) => /KEY|TOKEN|SECRET|PASSWORD|DATABASE_URL|CREDENTIAL/.test(name));
    expect(secretLooking.length).toBeGreaterThanOrEqual(4);
    expect(SECRET_SETTINGS.map((setting) => setting.variable).sort()).toEqual([...secretLooking].sort());
  });

  describe.each(SECRET_SETTINGS.map((setting) => [setting.variable, setting] as const))('%s', (variable, setting) => {
    const { value, secret } = secretValue(variable);
    const env = { [variable]: value };
    const config = loadConfig(env);

    it(`is read into config.${setting.path.join('.')}`, () => {
      expect(String(at(config, setting.path))).toContain(secret);
    });

    it.each<[string, (logger: ReturnType<typeof createLogger>) => void]>([
      ['the Config whole', (logger) => logger.info(config, 'configuration')],
      ['{ config }', (logger) => logger.info({ config }, 'configuration')],
      ['two levels down', (logger) => logger.info({ runtime: { config } }, 'runtime')],
      ['the part holding it', (logger) => logger.info({ [setting.path[0]]: at(config, setting.path.slice(0, 1)) }, 'part')],
      ['the environment whole', (logger) => logger.info(env, 'environment')],
      ['{ env }', (logger) => logger.info({ env }, 'environment')],
      ['a child logger binding', (logger) => logger.child({ config }).info('child')],
    ])('logging %s never writes it', (_shape, log) => {
      const { logger, text } = capture();
      log(logger);
      expect(text()).toContain('[redacted]');
      expect(text()).not.toContain(secret);
    });
  });
});
