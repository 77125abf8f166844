import createDebug from 'debug';

/**
 * Loggers on `debug` namespaces under `kioskbus:` (`kioskbus:essp:link`, `kioskbus:ccnet:bus`, ...),
 * off unless `DEBUG=kioskbus:*` is set. Keys and other secrets must never be passed to a logger.
 */
export type Logger = (format: string, ...args: unknown[]) => void;

export function createLogger(namespace: string): Logger & { enabled: boolean } {
  const d = createDebug(`kioskbus:${namespace}`);
  const log = (format: string, ...args: unknown[]): void => {
    d(format, ...args);
  };
  Object.defineProperty(log, 'enabled', { get: () => d.enabled });
  return log as Logger & { enabled: boolean };
}
