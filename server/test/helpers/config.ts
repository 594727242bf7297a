/** Configuration helpers for unit tests. */
import { ConfigError, loadConfig } from '#server/config';

/** The ConfigError `env` is refused with (the test fails if it is accepted). */
export function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
