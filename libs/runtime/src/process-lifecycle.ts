/**
 * Process lifecycle for every app: a boot failure is one line on stderr and exit code 1 (no stack trace
 * as the only message); SIGINT/SIGTERM close what was opened, newest first, so no postgres is orphaned.
 */
type Closer = { name: string; close: () => Promise<void> | void };

const closers: Closer[] = [];
let shuttingDown = false;
const SHUTDOWN_TIMEOUT_MS = 15_000;

export function onShutdown(name: string, close: () => Promise<void> | void): void {
  closers.push({ name, close });
}

export async function shutdown(exitCode = 0, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  const timer = setTimeout(() => {
    log('payledger: shutdown took too long; exiting');
    process.exit(exitCode || 1);
  }, SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  for (const closer of closers.splice(0).reverse()) {
    try {
      await closer.close();
    } catch (error) {
      log(`payledger: closing ${closer.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  clearTimeout(timer);
  process.exit(exitCode);
}

export async function runMain(name: string, main: () => Promise<void>): Promise<void> {
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  try {
    await main();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`payledger ${name}: ${message}\n`);
    if (process.env.PAYLEDGER_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    await shutdown(1);
  }
}
